package dev.distro.registry.grpc;

import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.support.JsonWriter;
import dev.distro.registry.view.ServiceView;
import java.util.List;

/**
 * The naming answers that carry instances, as a Nacos 2.x server writes them: a {@code ServiceInfo}
 * ({@code name} without the group, {@code groupName}, the clusters asked for, the hosts with their
 * grouped {@code serviceName}) in a query or subscribe response, or in a push. The hosts array is
 * the one the HTTP lists cache per change of the service ({@link ServiceView#hosts}).
 */
final class ServiceInfos {

  /** Nacos's {@code SwitchDomain.defaultPushCacheMillis}. */
  static final long CACHE_MILLIS = 10_000;

  private ServiceInfos() { }

  static void write(JsonWriter w, ServiceKey key, String clusters, ServiceView.Hosts hosts, long now) {
    ServiceView.writeServiceInfo(w, key.name(), key.group(), clusters, hosts, CACHE_MILLIS, now);
  }

  /** A push: the request-level names are absent, as in Nacos's {@code buildNotifySubscriberRequest}. */
  static Payload notifySubscriber(String requestId, ServiceKey key, ServiceView.Hosts hosts, long now) {
    JsonWriter w = new JsonWriter(new StringBuilder(hosts.json().length() + 320)).beginObject()
        .name("headers").beginObject().endObject()
        .field("requestId", requestId)
        .name("serviceInfo");
    write(w, key, "", hosts, now);
    return Messages.payload("NotifySubscriberRequest", w.field("module", "naming").endObject());
  }

  /** {@code QueryServiceResponse} or {@code SubscribeServiceResponse}. */
  static Payload withServiceInfo(String type, ServiceKey key, String clusters, ServiceView.Hosts hosts, long now) {
    JsonWriter w = new JsonWriter(new StringBuilder(hosts.json().length() + 320)).beginObject()
        .field("resultCode", 200).field("errorCode", 0).field("message", "success")
        .name("serviceInfo");
    write(w, key, clusters, hosts, now);
    return Messages.payload(type, w.field("success", true).endObject());
  }

  /** {@code ServiceListResponse}: the page's names (without group) and the count in the group. */
  static Payload serviceList(int count, List<String> names) {
    JsonWriter w = new JsonWriter().beginObject().field("resultCode", 200).field("errorCode", 0)
        .field("count", count).name("serviceNames").beginArray();
    for (String n : names) {
      w.value(n);
    }
    return Messages.payload("ServiceListResponse", w.endArray().field("success", true).endObject());
  }
}
