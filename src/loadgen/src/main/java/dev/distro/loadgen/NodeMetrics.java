package dev.distro.loadgen;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/** A node's Prometheus text exposition ({@code /metrics}) and sums over its series. */
final class NodeMetrics {

  private NodeMetrics() { }

  /** The text of {@code target}'s /metrics (host:port of its HTTP client port). */
  static Future<String> scrape(HttpClient client, String target) {
    int colon = target.lastIndexOf(':');
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost(target.substring(0, colon))
        .setPort(Integer.parseInt(target.substring(colon + 1))).setURI("/metrics").setTimeout(10_000);
    // the body is asked for in the task that sees the response, so none of it can slip by unread
    return client.request(o).compose(req -> req.send().compose(resp -> resp.body())).map(Object::toString);
  }

  /**
   * The sum of every series of {@code name} whose labels contain {@code label} (e.g.
   * {@code area="heap"}; empty: every series), or NaN when there is none.
   */
  static double sum(String exposition, String name, String label) {
    double sum = 0;
    boolean found = false;
    for (String line : exposition.split("\n")) {
      if (!line.startsWith(name)) {
        continue;
      }
      String rest = line.substring(name.length());
      if (!(rest.startsWith(" ") || rest.startsWith("{"))) {
        continue;
      }
      int close = rest.lastIndexOf('}');
      String labels = rest.startsWith("{") && close > 0 ? rest.substring(0, close + 1) : "";
      if (!labels.contains(label)) {
        continue;
      }
      sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      found = true;
    }
    return found ? sum : Double.NaN;
  }
}
