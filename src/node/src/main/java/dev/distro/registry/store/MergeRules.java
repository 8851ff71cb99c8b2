package dev.distro.registry.store;

import dev.distro.registry.model.Instance;

/**
 * Which of two states of an instance wins when a peer's change meets what this node holds: newer
 * wins, plus the liveness rules the fault suite found (docs/ARCHITECTURE.md, "Liveness rules on top
 * of newer wins"). A pure function: the caller passes everything it knows, including times, and
 * carries the {@link Decision} out ({@link PeerWrites} does, under the store's write lock). Nothing
 * here locks, reads a clock or keeps state.
 *
 * <p>Times: {@code clientSeen} and {@link Facts#senderHeardClient} are hybrid-clock milliseconds
 * ({@link Versions#nowMillis()}), compared with the wall-clock part of versions; 0 means never.
 *
 * <p>{@code MergeRulesTest} has one row per rule; {@code MergeOrderPropertyTest} checks that replicas
 * receiving the same entries in any order and duplication end alike (with the one exception listed
 * under the known limitations).
 */
public final class MergeRules {

  /** What to do with a peer's entry. */
  public enum Kind {
    /** Store the incoming instance (and forget a tombstone it beats). */
    APPLY,
    /** Nothing changes; the entry is older than what is held, or a duplicate. */
    STALE,
    /** Keep the held instance and publish it again under a new version, which then wins everywhere. */
    REASSERT,
    /** Remove the held instance, if any, and remember the delete at {@link Decision#version}. */
    DELETE_AT,
    /** Remove the held copy here only: not replicated, no tombstone (a verify repair's drop). */
    DROP
  }

  /** The outcome: a kind, and for {@link Kind#DELETE_AT} the version the delete is remembered at. */
  public record Decision(Kind kind, long version) {

    public static final Decision APPLY = new Decision(Kind.APPLY, 0);
    public static final Decision STALE = new Decision(Kind.STALE, 0);
    public static final Decision REASSERT = new Decision(Kind.REASSERT, 0);
    public static final Decision DROP = new Decision(Kind.DROP, 0);

    public static Decision deleteAt(long version) {
      return new Decision(Kind.DELETE_AT, version);
    }
  }

  /**
   * What the receiver knows beyond the two states, from its rings and the entry's envelope.
   *
   * @param ownedHere this node is responsible for the instance
   * @param fromOwner the entry is a repair whose sender owns the instance under both rings
   * @param senderHeardClient when that owner last heard the instance's client (0: unknown)
   */
  public record Facts(boolean ownedHere, boolean fromOwner, long senderHeardClient) {

    /** A replica's view: owned elsewhere, not an owner's repair. */
    public static final Facts NONE = new Facts(false, false, 0);
  }

  private MergeRules() { }

  /**
   * A peer's copy of an instance ({@code "put"}).
   *
   * @param held the instance held here, or null
   * @param clientSeen when this node last heard {@code held}'s client (0: never)
   * @param tombstone the delete remembered here for the instance, or null
   */
  public static Decision put(Instance held, long clientSeen, Tombstone tombstone, Instance incoming,
      Facts facts) {
    long v = incoming.version();
    if (held != null && held.version() >= v) {
      return Decision.STALE;
    }
    // The owner refuses a downgrade made before it last heard the client (an expiry on the far
    // side of a partition) and re-asserts the live instance.
    if (held != null && facts.ownedHere() && !incoming.healthy() && held.healthy()
        && clientSeen > Versions.millisOf(v)) {
      return Decision.REASSERT;
    }
    if (tombstone != null) {
      // The owner's repair beats a delete remembered here if the owner heard the client after it.
      boolean ownerVouches = facts.fromOwner() && facts.senderHeardClient() > Versions.millisOf(tombstone.version());
      if (!ownerVouches && tombstone.version() >= v) {
        return Decision.STALE;
      }
      // An unhealthy copy newer than the delete is a TTL mark made by a node that had not heard of
      // the delete: it says nothing of the client, so it does not bring the instance back. The
      // delete is remembered under the mark's version, as when the mark arrives first (below).
      if (!ownerVouches && !incoming.healthy()) {
        return Decision.deleteAt(v);
      }
    }
    return Decision.APPLY;
  }

  /**
   * A peer's delete ({@code "del"}) made at {@code version}.
   *
   * @param held the instance held here, or null (then the delete is only remembered)
   * @param clientSeen when this node last heard {@code held}'s client (0: never)
   */
  public static Decision delete(Instance held, long clientSeen, long version, Facts facts) {
    if (held == null) {
      return Decision.deleteAt(version);
    }
    boolean heardSince = clientSeen > Versions.millisOf(version);
    if (held.version() > version) {
      // Newer and healthy, or its client heard here since the delete: kept. Newer only by a TTL
      // mark made without hearing the client since the delete: the delete wins, under the mark's
      // version so that it beats that mark on the other members too.
      return held.healthy() || heardSince ? Decision.STALE : Decision.deleteAt(held.version());
    }
    // The owner refuses a delete made before it last heard the client (a lease restarted by an
    // ownership change is not hearing it: the client may have deregistered elsewhere meanwhile).
    if (facts.ownedHere() && heardSince) {
      return Decision.REASSERT;
    }
    return Decision.deleteAt(version);
  }

  /**
   * The owner's verify repair does not list an instance held here: the copy is dropped unless it is
   * at least as new as {@code asOf}, the owner's clock when it listed its entries.
   */
  public static Decision repairOmits(Instance held, long asOf) {
    return held.version() >= asOf ? Decision.STALE : Decision.DROP;
  }

  /** A peer's service settings ({@code "sput"}): newer than the held settings and any service delete. */
  public static Decision servicePut(long heldVersion, Tombstone tombstone, long version) {
    if (heldVersion >= version || tombstone != null && tombstone.version() >= version) {
      return Decision.STALE;
    }
    return Decision.APPLY;
  }

  /**
   * A peer's service delete ({@code "sdel"}), always remembered; it removes settings older than it
   * ({@code heldVersion} -1: no service here). Equal: this delete, delivered again.
   */
  public static Decision serviceDelete(long heldVersion, long version) {
    return heldVersion >= version ? Decision.STALE : Decision.deleteAt(version);
  }
}
