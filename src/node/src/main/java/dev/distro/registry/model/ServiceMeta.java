package dev.distro.registry.model;

import java.util.Map;

/**
 * Service-level settings set through the service API: the protection threshold, metadata and
 * selector. A service that was only created implicitly by a registration has {@link #DEFAULT}.
 *
 * @param explicit true when created through the service API; such a service outlives its last
 *     instance until deleted
 * @param selector the selector JSON as given (validated JSON, bounded size), {@code {"type":"none"}}
 *     by default
 */
public record ServiceMeta(float protectThreshold, Map<String, String> metadata, String selector,
    boolean explicit, long version) {

  public static final String NO_SELECTOR = "{\"type\":\"none\"}";
  public static final ServiceMeta DEFAULT = new ServiceMeta(0f, Map.of(), NO_SELECTOR, false, 0L);

  public ServiceMeta {
    metadata = Map.copyOf(metadata);
  }
}
