package dev.distro.client.example;

import dev.distro.client.Instance;
import dev.distro.client.ServiceKey;
import dev.distro.client.WatchClient;
import dev.distro.client.WatchClientOptions;
import dev.distro.client.WatchFilter;
import java.time.LocalTime;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Prints the changes of one service as they happen.
 *
 * <pre>
 * java -jar target/distro-watch-client.jar 127.0.0.1:8848,127.0.0.1:8858 orders [group] [namespace]
 * </pre>
 *
 * The token for nodes with auth on comes from the environment variable {@code DISTRO_TOKEN}; TLS
 * ({@code wss}) is on with {@code DISTRO_TLS=true} (the JVM trust store checks the node).
 */
public final class WatchExample {

  private WatchExample() {
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 2) {
      System.err.println("usage: WatchExample host:port[,host:port...] service [group] [namespace]");
      System.exit(2);
    }
    ServiceKey key = new ServiceKey(args.length > 3 ? args[3] : ServiceKey.DEFAULT_NAMESPACE,
        args.length > 2 ? args[2] : ServiceKey.DEFAULT_GROUP, args[1]);
    WatchClient client = WatchClient.create(new WatchClientOptions()
        .setNodes(List.of(args[0].split(",")))
        .setAccessToken(System.getenv("DISTRO_TOKEN"))
        .setSsl(Boolean.parseBoolean(System.getenv("DISTRO_TLS"))));
    client.listen(c -> {
      System.out.println(LocalTime.now() + " " + c.service() + ": " + c.before().size() + " -> " + c.after().size()
          + " instances (via " + client.status().node() + ", revision " + client.status().revision() + ")");
      c.added().forEach(i -> System.out.println("  + " + describe(i)));
      c.modified().forEach(i -> System.out.println("  ~ " + describe(i)));
      c.removed().forEach(i -> System.out.println("  - " + describe(i)));
    });
    client.subscribe(WatchFilter.service(key)).ready().whenComplete((v, t) ->
        System.out.println(t == null ? "watching " + key + ": " + client.instances(key).size() + " instances"
            : "refused: " + t.getMessage()));
    client.start();
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      client.close();
      stop.countDown();
    }));
    stop.await();
  }

  private static String describe(Instance i) {
    return i.cluster() + " " + i.address() + (i.healthy() ? "" : " unhealthy") + (i.enabled() ? "" : " disabled")
        + " weight " + i.weight() + (i.metadata().isEmpty() ? "" : " " + i.metadata());
  }
}
