package dev.distro.registry.push;

import dev.distro.registry.model.ServiceKey;

/** Where the list handler registers Nacos 1.x clients that asked for UDP push. Thread-safe. */
@FunctionalInterface
public interface PushTargets {

  PushTargets NONE = (service, clientIp, udpPort, clusters) -> { };

  void subscribe(ServiceKey service, String clientIp, int udpPort, String clusters);
}
