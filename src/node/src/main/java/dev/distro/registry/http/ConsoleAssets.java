package dev.distro.registry.http;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The web console's files, read once from the jar when the node is built (never on an event loop)
 * and served from memory at {@code /console}.
 */
public final class ConsoleAssets {

  record Asset(Buffer body, String type) { }

  private final Map<String, Asset> byPath = new HashMap<>();

  public ConsoleAssets() {
    Asset index = load("index.html", "text/html; charset=utf-8");
    byPath.put("/console", index);
    byPath.put("/console/", index);
    byPath.put("/console/index.html", index);
    byPath.put("/console/console.js", load("console.js", "text/javascript; charset=utf-8"));
    byPath.put("/console/console.css", load("console.css", "text/css; charset=utf-8"));
  }

  Asset get(String path) {
    return byPath.get(path);
  }

  private static Asset load(String name, String type) {
    try (InputStream in = ConsoleAssets.class.getResourceAsStream("/console/" + name)) {
      if (in == null) {
        throw new IllegalStateException("console asset missing from the jar: " + name);
      }
      return new Asset(Buffer.buffer(in.readAllBytes()), type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
