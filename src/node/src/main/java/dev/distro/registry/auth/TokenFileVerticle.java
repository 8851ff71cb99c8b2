package dev.distro.registry.auth;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.file.FileProps;
import java.util.logging.Logger;

/**
 * Loads the token file into the {@link AccessControl} at start (a file that cannot be read or
 * parsed fails the deploy), then every {@code reloadMs} looks at its modification time and size and
 * reloads it when either changed. A reload that fails keeps the tokens in force and logs one
 * warning (with the line, never a token). All file access goes through Vert.x's async file system.
 */
public final class TokenFileVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(TokenFileVerticle.class.getName());

  private final AccessControl access;
  private final String path;
  private final long reloadMs;
  private long timer = -1;
  private long seenModified = -1;
  private long seenSize = -1;
  private String lastError;

  public TokenFileVerticle(AccessControl access, String path, long reloadMs) {
    this.access = access;
    this.path = path;
    this.reloadMs = reloadMs;
  }

  @Override
  public Future<?> start() {
    return vertx.fileSystem().props(path).compose(this::load).onSuccess(v -> {
      LOG.info("client authentication on: " + access.tokens().size() + " tokens from " + path);
      timer = vertx.setPeriodic(reloadMs, id -> check());
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void check() {
    vertx.fileSystem().props(path).compose(p -> {
      if (p.lastModifiedTime() == seenModified && p.size() == seenSize) {
        return Future.succeededFuture();
      }
      return load(p).onSuccess(v -> LOG.info("token file " + path + " reloaded: " + access.tokens().size()
          + " tokens"));
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        lastError = null;
      } else if (!String.valueOf(ar.cause().getMessage()).equals(lastError)) {
        lastError = String.valueOf(ar.cause().getMessage());
        LOG.warning("token file " + path + " not reloaded, the previous tokens stay in force: " + lastError);
      }
    });
  }

  private Future<Void> load(FileProps props) {
    return vertx.fileSystem().readFile(path).map(buf -> {
      TokenTable table = TokenTable.parse(buf.toString(java.nio.charset.StandardCharsets.UTF_8), path);
      access.tokens(table);
      seenModified = props.lastModifiedTime();
      seenSize = props.size();
      return (Void) null;
    });
  }
}
