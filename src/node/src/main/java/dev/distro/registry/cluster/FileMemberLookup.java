package dev.distro.registry.cluster;

import dev.distro.registry.config.ConfigException;
import dev.distro.registry.config.NodeConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Members from a {@code cluster.conf} file, as in Nacos, re-read at every lookup through Vert.x's
 * async file system (the caller polls: no inotify, so ConfigMap symlink swaps are seen too).
 *
 * <p>Format ({@link #parse}): one {@code host[:port]} per line, default port 8848, IPv6 as
 * {@code [addr]:port}; {@code #} starts a comment (whole line or trailing); blank lines are ignored;
 * entries on one line may also be separated by commas or whitespace. Guarantees: the answer is
 * non-empty, normalized by {@link NodeConfig#normalizeMember}, de-duplicated, in file order; a file
 * larger than {@link #MAX_BYTES}, a bad entry or an empty list fails the lookup with a one-line
 * message naming the file (the caller then keeps its last good list).
 */
public final class FileMemberLookup implements MemberLookup {

  /** Largest member list file (or address-server answer parsed by the same format) accepted. */
  public static final int MAX_BYTES = 1024 * 1024;
  /** Longest single entry: a 253-character DNS name, brackets and a port fit. */
  static final int MAX_ENTRY_LENGTH = 270;

  private final Vertx vertx;
  private final String path;

  public FileMemberLookup(Vertx vertx, String path) {
    this.vertx = vertx;
    this.path = path;
  }

  @Override
  public Future<List<String>> lookup() {
    return vertx.fileSystem().props(path)
        .recover(err -> Future.failedFuture("cannot read member list " + path + ": " + describe(err)))
        .compose(props -> {
          if (!props.isRegularFile()) {
            return Future.failedFuture("cannot read member list " + path + ": not a regular file");
          }
          if (props.size() > MAX_BYTES) {
            return Future.failedFuture("member list " + path + " is larger than " + MAX_BYTES + " bytes");
          }
          return vertx.fileSystem().readFile(path)
              .recover(err -> Future.failedFuture("cannot read member list " + path + ": " + describe(err)));
        })
        .compose(buf -> {
          // the file may have grown between props and read
          if (buf.length() > MAX_BYTES) {
            return Future.failedFuture("member list " + path + " is larger than " + MAX_BYTES + " bytes");
          }
          try {
            return Future.succeededFuture(parse(buf.toString(StandardCharsets.UTF_8), path));
          } catch (ConfigException e) {
            return Future.failedFuture(e.getMessage());
          }
        });
  }

  /**
   * Parses the member-list format shared by cluster.conf and the address server.
   *
   * @param source names the origin in error messages (a path or a URL)
   * @return the members as {@code host:port}, de-duplicated, in order; never empty
   * @throws ConfigException naming the source and the bad entry, or "no members in &lt;source&gt;"
   */
  public static List<String> parse(String content, String source) throws ConfigException {
    Set<String> out = new LinkedHashSet<>();
    String text = content.startsWith("\uFEFF") ? content.substring(1) : content;
    for (String line : (Iterable<String>) text.lines()::iterator) {
      int hash = line.indexOf('#');
      String body = hash >= 0 ? line.substring(0, hash) : line;
      for (String entry : body.split("[,\\s]+")) {
        if (entry.isEmpty()) {
          continue;
        }
        if (entry.length() > MAX_ENTRY_LENGTH) {
          throw new ConfigException("bad member '" + entry.substring(0, 40) + "...' in " + source
              + ": longer than " + MAX_ENTRY_LENGTH + " characters");
        }
        out.add(NodeConfig.normalizeMember(entry, source));
      }
    }
    if (out.isEmpty()) {
      throw new ConfigException("no members in " + source);
    }
    return List.copyOf(out);
  }

  static String describe(Throwable err) {
    Throwable t = err;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
