package dev.distro.registry.cluster;

import dev.distro.registry.config.NodeConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/** Chooses the member lookup from the configuration (placeholder until the lookup implementations land). */
public final class MemberLookups {

  private MemberLookups() { }

  public static MemberLookup create(Vertx vertx, NodeConfig config) {
    return switch (config.lookup) {
      case STANDALONE -> () -> Future.succeededFuture(List.of(config.self()));
      case STATIC -> () -> Future.succeededFuture(config.members);
      case FILE -> new FileMemberLookup(vertx, config.clusterConf);
      default -> () -> Future.failedFuture("lookup " + config.lookup.configName + " not wired yet");
    };
  }
}
