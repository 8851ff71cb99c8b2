package dev.distro.registry.cluster;

import dev.distro.registry.config.NodeConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * Chooses the member lookup from {@code config.lookup}: standalone (this node alone), static
 * ({@code --members}), file ({@code --cluster-conf}), address server ({@code --address-server}) or
 * DNS ({@code --dns-name}). Lookups that hold a client implement {@link AutoCloseable}; whoever
 * created one closes it. Call this on the event loop that will run the lookups (e.g. in a
 * verticle's {@code start()}), so their clients live there.
 */
public final class MemberLookups {

  private MemberLookups() { }

  /**
   * @throws IllegalArgumentException if the address-server URL or the DNS server is malformed
   */
  public static MemberLookup create(Vertx vertx, NodeConfig config) {
    return switch (config.lookup) {
      case STANDALONE -> {
        Future<List<String>> self = Future.succeededFuture(List.of(config.self()));
        yield () -> self;
      }
      case STATIC -> {
        Future<List<String>> members = Future.succeededFuture(config.members);
        yield () -> members;
      }
      case FILE -> new FileMemberLookup(vertx, config.clusterConf);
      case ADDRESS_SERVER -> new AddressServerMemberLookup(vertx, config.addressServer);
      case DNS -> new DnsMemberLookup(vertx, config);
    };
  }
}
