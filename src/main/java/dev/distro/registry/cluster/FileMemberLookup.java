package dev.distro.registry.cluster;

import dev.distro.registry.config.ConfigException;
import dev.distro.registry.config.NodeConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Members from a {@code cluster.conf} file, re-read (asynchronously) at every lookup: one
 * {@code host[:port]} per line ({@code #} starts a comment; entries may also be separated by commas
 * or spaces, as Nacos allows). A bad entry fails the lookup and the last good list stays in force.
 */
public final class FileMemberLookup implements MemberLookup {

  static final int MAX_BYTES = 1024 * 1024;

  private final Vertx vertx;
  private final String path;

  public FileMemberLookup(Vertx vertx, String path) {
    this.vertx = vertx;
    this.path = path;
  }

  @Override
  public Future<List<String>> lookup() {
    return vertx.fileSystem().readFile(path).compose(buf -> {
      if (buf.length() > MAX_BYTES) {
        return Future.failedFuture(path + " is larger than " + MAX_BYTES + " bytes");
      }
      try {
        return Future.succeededFuture(parse(buf.toString(StandardCharsets.UTF_8), path));
      } catch (ConfigException e) {
        return Future.failedFuture(e.getMessage());
      }
    });
  }

  /** Parses the member-list format shared by cluster.conf and the address server. */
  public static List<String> parse(String content, String source) throws ConfigException {
    Set<String> out = new LinkedHashSet<>();
    for (String line : content.split("\r?\n")) {
      int hash = line.indexOf('#');
      String body = hash >= 0 ? line.substring(0, hash) : line;
      for (String entry : body.split("[,\\s]+")) {
        if (!entry.isEmpty()) {
          out.add(NodeConfig.normalizeMember(entry, source));
        }
      }
    }
    if (out.isEmpty()) {
      throw new ConfigException("no members in " + source);
    }
    return new ArrayList<>(out);
  }
}
