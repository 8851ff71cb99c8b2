package dev.distro.registry.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distro.registry.cluster.Member.State;
import dev.distro.registry.metrics.PrometheusMeters;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.support.Json;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The members' health, judged from pings. A round pings each peer's peer port; a peer that fails
 * {@link Cluster#DOWN_AFTER_FAILED_PINGS} pings in a row, or refuses the connection, is DOWN and
 * leaves the ownership ring; it rejoins when it answers. A ping answer also carries the peer's own
 * state (STARTING while it loads its snapshot) and its wall clock, from which {@link ClockSkew}
 * measures the peer's offset; a node whose clock disagrees with most members' steps out of service
 * ({@link #judgeClock}) and comes back once it agrees. Runs its rounds on the event loop of the
 * {@link AddressLookupVerticle} that made it (with that verticle's {@link PeerClient}).
 */
public final class FailureDetector {

  private static final Logger LOG = Logger.getLogger(FailureDetector.class.getName());
  private static final ObjectMapper MAPPER = Json.MAPPER;

  private final RegistryStore store;
  private final Cluster cluster;
  private final NodeStatus status;
  private final PrometheusMeters meters;
  private final long pingIntervalMs;
  private final PeerClient peers;
  private final Supplier<Future<?>> rejoin;
  private boolean rejoining;
  private boolean restartAsked;

  /**
   * @param rejoin loads a fresh snapshot, run before a node that was out of service for clock skew
   *     serves again
   */
  public FailureDetector(RegistryStore store, Cluster cluster, NodeStatus status, PrometheusMeters meters,
      long pingIntervalMs, PeerClient peers, Supplier<Future<?>> rejoin) {
    this.store = store;
    this.status = status;
    this.meters = meters;
    this.pingIntervalMs = pingIntervalMs;
    this.cluster = cluster;
    this.peers = peers;
    this.rejoin = rejoin;
  }

  /** Pings every peer once (health, state, clock offset); completes when every answer or failure is in. */
  public Future<Void> pingAll() {
    List<Member> all = cluster.peers();
    List<Future<Void>> pings = new ArrayList<>();
    long timeout = Math.max(200, Math.min(pingIntervalMs, 1_500));
    ClockSkew clocks = cluster.clocks();
    for (Member m : all) {
      long sentAt = store.clock().millis();
      long t0 = System.nanoTime();
      String path = "/distro/ping?from=" + cluster.self() + "&state=" + cluster.selfState() + "&t=" + sentAt;
      pings.add(peers.peer(m.address(), HttpMethod.GET, path, null, timeout).map(resp -> {
        long rttMs = (System.nanoTime() - t0) / 1_000_000;
        if (resp.statusCode() != 200) {
          clocks.forget(m.address());
          cluster.pingResult(m.address(), false, null, false);
          return (Void) null;
        }
        State reported = State.UP;
        try {
          JsonNode n = MAPPER.readTree(resp.body().getBytes());
          reported = State.valueOf(n.path("state").asText("UP"));
          JsonNode clock = n.get("clock");
          if (clock != null && clock.isIntegralNumber()) {
            clocks.measured(m.address(), clock.asLong(), sentAt, rttMs);
            gaugeOffset(m.address());
          }
        } catch (Exception e) {
          reported = State.UP;
        }
        if (reported == State.DOWN) {
          clocks.forget(m.address());
          cluster.pingResult(m.address(), false, null, true);
        } else {
          cluster.pingResult(m.address(), true, reported, false);
        }
        return (Void) null;
      }).recover(err -> {
        clocks.forget(m.address());
        cluster.pingResult(m.address(), false, null, PeerClient.refused(err));
        return Future.succeededFuture();
      }));
    }
    return Future.join(pings).<Void>mapEmpty().onComplete(ar -> judgeClock());
  }

  /**
   * Exports the peer's clock offset (NaN while it is not measured). Registering is idempotent, and
   * registers again after the peer left the member list (its meters were removed) and came back.
   */
  private void gaugeOffset(String peer) {
    meters.gauge("distro_peer_clock_offset_seconds", PrometheusMeters.PEER_TAG, peer,
        "the peer's wall clock minus this node's, measured in pings", cluster.clocks(), c -> {
          Long o = c.offset(peer);
          return o == null ? Double.NaN : o / 1000.0;
        });
  }

  /**
   * Takes this node out of service while its wall clock disagrees with most members' by more than
   * the bound (SKEWED: out of the ring, client API and readiness 503), and back in, after a fresh
   * snapshot, once it agrees within half the bound.
   */
  void judgeClock() {
    long bound = cluster.clocks().boundMs();
    State self = cluster.selfState();
    if (bound <= 0 || status.shuttingDown() || rejoining) {
      return;
    }
    if (self == State.UP) {
      String skew = cluster.clocks().verdict(bound);
      if (skew != null) {
        stepOut(cluster, status, skew);
      }
    } else if (self == State.SKEWED && cluster.clocks().agrees(bound / 2)) {
      long ahead = store.versions().nowMillis() - store.clock().millis();
      if (ahead > bound / 2) {
        // Versions were issued under the wrong clock and are still in the future: serving again
        // would stamp new writes that far ahead. A restart starts a fresh hybrid clock.
        status.markNotReady("clock skew: the clocks agree again, but this node issued versions " + ahead
            + " ms ahead of its clock: restart it");
        if (!restartAsked) {
          restartAsked = true;
          LOG.warning("the clocks agree again, but this node issued versions " + ahead
              + " ms in the future while its clock was wrong: restart it to bring it back into service");
        }
        return;
      }
      rejoining = true;
      LOG.info("this node's wall clock agrees with most members again: loading a snapshot before serving");
      rejoin.get().onComplete(ar -> {
        rejoining = false;
        if (ar.failed() || !cluster.clocks().agrees(bound / 2) || status.shuttingDown()) {
          LOG.warning("still out of service: " + (ar.failed() ? "snapshot failed: " + ar.cause()
              : "the clocks no longer agree"));
          return;
        }
        cluster.selfState(State.UP);
        status.markReady();
        LOG.info("back in service: UP");
      });
    }
  }

  /** Marks this node SKEWED and not ready, with the reason in the log (SEVERE) and the readiness probe. */
  public static void stepOut(Cluster cluster, NodeStatus status, String skew) {
    LOG.severe(skew + ": out of service (not ready, client API 503, owns nothing) until the clocks agree;"
        + " fix the clock (NTP) of whichever member is wrong");
    cluster.selfState(State.SKEWED);
    status.markNotReady("clock skew: " + skew);
  }
}
