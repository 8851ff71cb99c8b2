package dev.distro.registry.distro;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.model.Instance;
import java.util.ArrayList;
import java.util.List;

/**
 * Who sent a sync, verify or repair, as this node judges it: is the sender a member, which ring did
 * it use, does it own an instance. Shared by the receiving handlers.
 */
final class Senders {

  /** A ring no request can carry: the marker for a malformed one. */
  static final Rendezvous BAD_RING = new Rendezvous(List.of());
  private static final int MAX_RING = 4096;

  private final Cluster cluster;

  Senders(Cluster cluster) {
    this.cluster = cluster;
  }

  SyncCodec.OwnerFacts ownerFacts(String from, Rendezvous senderRing) {
    return new SyncCodec.OwnerFacts() {
      @Override
      public boolean ownedHere(Instance i) {
        return cluster.isResponsible(i);
      }

      @Override
      public boolean senderOwns(Instance i) {
        return Senders.this.senderOwns(from, senderRing, i);
      }
    };
  }

  /**
   * The sender owns {@code ip:port} by this node's ring and, when it sent its own, by that one too.
   * A repair may override a remembered delete or drop a copy only then: while the rings disagree
   * (a member just came back, one side has not seen it yet) neither side's view alone decides.
   */
  boolean senderOwns(String from, Rendezvous senderRing, Instance i) {
    if (i.holderNode() != null) {
      // held by a connection: its holder is the owner under every ring
      return from.equals(i.holderNode());
    }
    return from.equals(cluster.ownerOf(i.ip(), i.port()))
        && (senderRing == null || from.equals(senderRing.ownerOf(i.ip(), i.port())));
  }

  boolean isMember(String address) {
    for (Member m : cluster.members()) {
      if (m.address().equals(address) && !m.self()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The ring the sender used for this verify round ({@code "ring"}: its members), null when it sent
   * none, {@link #BAD_RING} when it is not a list of at most {@value #MAX_RING} member addresses
   * that includes the sender.
   */
  static Rendezvous ring(JsonNode body, String from) {
    JsonNode ring = body.get("ring");
    if (ring == null || ring.isNull()) {
      return null;
    }
    if (!ring.isArray() || ring.size() > MAX_RING) {
      return BAD_RING;
    }
    List<String> members = new ArrayList<>();
    for (JsonNode m : ring) {
      if (!m.isTextual() || m.asText().isEmpty() || m.asText().length() > 300) {
        return BAD_RING;
      }
      members.add(m.asText());
    }
    return members.contains(from) ? new Rendezvous(members) : BAD_RING;
  }
}
