package dev.distro.registry.cluster;

import io.vertx.core.Future;
import java.util.List;

/**
 * Where the member list comes from. Called periodically by the {@code AddressLookupVerticle} on
 * its event loop; an implementation never blocks (file, HTTP and DNS work goes through Vert.x's
 * async APIs) and answers each member as {@code host:port} of its client port, normalized by
 * {@link dev.distro.registry.config.NodeConfig#normalizeMember}.
 */
@FunctionalInterface
public interface MemberLookup {

  Future<List<String>> lookup();
}
