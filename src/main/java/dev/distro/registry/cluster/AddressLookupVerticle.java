package dev.distro.registry.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distro.registry.cluster.Member.State;
import dev.distro.registry.node.NodeContext;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.logging.Logger;

/**
 * Keeps the member list and the members' health. Every lookup interval it asks the
 * {@link MemberLookup} (static list, cluster.conf, address server or DNS) for the members; every
 * ping interval it pings each peer's peer port. A peer that fails {@link Cluster#DOWN_AFTER_FAILED_PINGS}
 * pings in a row, or refuses the connection, is DOWN and leaves the ownership ring; it rejoins when
 * it answers. A ping answer also carries the peer's own state (STARTING while it loads its snapshot).
 * A failed lookup keeps the last good list.
 */
public final class AddressLookupVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(AddressLookupVerticle.class.getName());
  private static final ObjectMapper MAPPER = dev.distro.registry.support.Json.MAPPER;

  private final NodeContext node;
  private final Cluster cluster;
  private final java.util.function.Function<io.vertx.core.Vertx, MemberLookup> lookupFactory;
  private MemberLookup lookup;
  private PeerClient peers;
  private String lastLookupError;
  private long lookupTimer = -1;
  private long pingTimer = -1;

  public AddressLookupVerticle(NodeContext node, Cluster cluster,
      java.util.function.Function<io.vertx.core.Vertx, MemberLookup> lookupFactory) {
    this.node = node;
    this.cluster = cluster;
    this.lookupFactory = lookupFactory;
  }

  /** Deploys only after the first lookup answered (or failed, logged) and the first ping round ended. */
  @Override
  public Future<?> start() {
    node.liveness.watch("lookup", context);
    lookup = lookupFactory.apply(vertx);
    peers = PeerClient.create(vertx, cluster, node.config);
    return refresh().compose(v -> pingAll()).onComplete(ar -> {
      lookupTimer = vertx.setPeriodic(node.config.lookupIntervalMs, id -> refresh());
      pingTimer = vertx.setPeriodic(node.config.pingIntervalMs, id -> pingAll());
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(lookupTimer);
    vertx.cancelTimer(pingTimer);
    peers.close();
    if (lookup instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing a client; nothing to do
      }
    }
    return Future.succeededFuture();
  }

  Future<Void> refresh() {
    return lookup.lookup().map(members -> {
      if (lastLookupError != null) {
        LOG.info("member lookup works again");
        lastLookupError = null;
      }
      cluster.setMembers(members);
      return (Void) null;
    }).recover(err -> {
      String m = String.valueOf(err.getMessage());
      if (!m.equals(lastLookupError)) {
        LOG.warning("member lookup failed, keeping " + cluster.members().size() + " known members: " + m);
        lastLookupError = m;
      }
      return Future.succeededFuture();
    });
  }

  Future<Void> pingAll() {
    List<Member> all = cluster.peers();
    List<Future<Void>> pings = new java.util.ArrayList<>();
    long timeout = Math.max(200, Math.min(node.config.pingIntervalMs, 1_500));
    String path = "/distro/ping?from=" + cluster.self() + "&state=" + cluster.selfState();
    for (Member m : all) {
      pings.add(peers.peer(m.address(), HttpMethod.GET, path, null, timeout).map(resp -> {
        if (resp.statusCode() != 200) {
          cluster.pingResult(m.address(), false, null, false);
          return (Void) null;
        }
        State reported = State.UP;
        try {
          JsonNode n = MAPPER.readTree(resp.body().getBytes());
          reported = State.valueOf(n.path("state").asText("UP"));
        } catch (Exception e) {
          reported = State.UP;
        }
        if (reported == State.DOWN) {
          cluster.pingResult(m.address(), false, null, true);
        } else {
          cluster.pingResult(m.address(), true, reported, false);
        }
        return (Void) null;
      }).recover(err -> {
        cluster.pingResult(m.address(), false, null, PeerClient.refused(err));
        return Future.succeededFuture();
      }));
    }
    return Future.join(pings).mapEmpty();
  }
}
