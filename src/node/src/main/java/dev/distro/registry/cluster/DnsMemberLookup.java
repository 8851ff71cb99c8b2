package dev.distro.registry.cluster;

import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.MemberAddress;
import io.netty.util.NetUtil;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.dns.DnsClient;
import io.vertx.core.dns.DnsClientOptions;
import io.vertx.core.dns.DnsException;
import io.vertx.core.dns.DnsResponseCode;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Members from DNS: the A and AAAA records of one name, typically a Kubernetes headless Service
 * ({@code <svc>.<ns>.svc.cluster.local}; Vert.x's DNS client applies no search domains, so give the
 * fully qualified name). Each address becomes a member {@code address:port} with this node's client
 * port ({@code [addr]:port} for IPv6).
 *
 * <p>Both families are queried concurrently. NXDOMAIN or an empty answer counts as "no records of
 * that family". The family of this node's advertised host (IPv6 if it is an IPv6 literal, else
 * IPv4) is preferred: its addresses are the members if it has any, and the other family's only if
 * it has none. So a dual-stack Service does not list every pod twice, and a transient failure of
 * one family never flips the list to the other family: a failed query of the preferred family
 * fails the lookup (the caller keeps its last good list).
 *
 * <p>Guarantees: the answer is non-empty, sorted and de-duplicated; each query ends within
 * {@link #QUERY_TIMEOUT_MS}; one lookup at a time (a lookup while one is in flight shares its
 * answer); failures are one-line messages naming the DNS name. The DNS server is
 * {@code config.dnsServer} ({@code ip:port}, an IP literal so that nothing resolves it blocking) or
 * else the system's first nameserver. {@link #close()} releases the client.
 */
public final class DnsMemberLookup implements MemberLookup, AutoCloseable {

  public static final long QUERY_TIMEOUT_MS = 3_000;
  /** Most members taken from one answer (a UDP answer cannot hold many more anyway). */
  static final int MAX_MEMBERS = 1024;

  private final DnsClient client;
  private final String name;
  private final int port;
  private final boolean preferIpv6;
  private final String server;
  private Future<List<String>> inFlight;

  /**
   * @throws IllegalArgumentException if {@code config.dnsName} is missing or
   *     {@code config.dnsServer} is not {@code ip:port}
   */
  public DnsMemberLookup(Vertx vertx, NodeConfig config) {
    if (config.dnsName == null || config.dnsName.isBlank()) {
      throw new IllegalArgumentException("lookup=dns needs --dns-name");
    }
    this.name = config.dnsName.trim();
    this.port = config.port;
    this.preferIpv6 = config.host.indexOf(':') >= 0;
    DnsClientOptions options = new DnsClientOptions().setQueryTimeout(QUERY_TIMEOUT_MS).setRecursionDesired(true);
    if (config.dnsServer != null) {
      String s = config.dnsServer;
      MemberAddress address = MemberAddress.parse(s);
      if (!NetUtil.isValidIpV4Address(address.host()) && !NetUtil.isValidIpV6Address(address.host())) {
        throw new IllegalArgumentException("bad value for dns-server: '" + s + "' (expected an IP address and port)");
      }
      options.setHost(address.host()).setPort(address.port());
      this.server = s;
    } else {
      this.server = "the system resolver";
    }
    this.client = vertx.createDnsClient(options);
  }

  @Override
  public Future<List<String>> lookup() {
    // Called only on the lookup verticle's event loop: an answer still pending is shared, not repeated.
    if (inFlight != null) {
      return inFlight;
    }
    Future<List<String>> f = resolve();
    inFlight = f;
    f.onComplete(ar -> {
      if (inFlight == f) {
        inFlight = null;
      }
    });
    return f;
  }

  private Future<List<String>> resolve() {
    Future<Answer> a = query(client.resolveA(name), "A");
    Future<Answer> aaaa = query(client.resolveAAAA(name), "AAAA");
    return Future.join(a, aaaa).transform(ignored -> {
      String detail = describe(a, "A") + ", " + describe(aaaa, "AAAA");
      Future<Answer> first = preferIpv6 ? aaaa : a;
      Future<Answer> second = preferIpv6 ? a : aaaa;
      if (first.failed()) {
        return fail(detail);
      }
      if (!first.result().addresses.isEmpty()) {
        return Future.succeededFuture(members(first.result().addresses));
      }
      if (second.succeeded() && !second.result().addresses.isEmpty()) {
        return Future.succeededFuture(members(second.result().addresses));
      }
      return fail("no members (" + detail + ")");
    });
  }

  /** One family's answer: its addresses and how it ended, for messages. */
  private record Answer(List<String> addresses, String note) { }

  /** A query whose NXDOMAIN answer counts as empty; bounded in time even if the client's own timeout slips. */
  private static Future<Answer> query(Future<List<String>> q, String family) {
    return q.timeout(QUERY_TIMEOUT_MS + 500, TimeUnit.MILLISECONDS).transform(ar -> {
      if (ar.succeeded()) {
        List<String> r = ar.result() == null ? List.of() : ar.result();
        return Future.succeededFuture(new Answer(r, r.isEmpty() ? "no records" : r.size() + " records"));
      }
      if (ar.cause() instanceof DnsException d && d.code() == DnsResponseCode.NXDOMAIN) {
        return Future.succeededFuture(new Answer(List.of(), "NXDOMAIN"));
      }
      return Future.failedFuture(ar.cause());
    });
  }

  private List<String> members(List<String> addresses) {
    TreeSet<String> out = new TreeSet<>();
    for (String address : addresses) {
      if (out.size() >= MAX_MEMBERS) {
        break;
      }
      out.add(MemberAddress.format(canonical(address), port));
    }
    return List.copyOf(out);
  }

  /** The RFC 5952 text of an address literal (compressed IPv6), so that every node writes it alike. */
  static String canonical(String address) {
    java.net.InetAddress ia = NetUtil.createInetAddressFromIpAddressString(address);
    return ia == null ? address : NetUtil.toAddressString(ia);
  }

  private Future<List<String>> fail(String detail) {
    return Future.failedFuture("DNS lookup of " + name + " via " + server + ": " + detail);
  }

  private static String describe(AsyncResult<Answer> r, String family) {
    if (r.succeeded()) {
      return family + ": " + r.result().note;
    }
    Throwable err = r.cause();
    if (err instanceof DnsException d) {
      return family + ": " + d.code();
    }
    return family + ": " + FileMemberLookup.describe(err);
  }

  /** Releases the DNS client; later lookups fail. */
  @Override
  public void close() {
    client.close();
  }
}
