package dev.distro.registry.cluster;

import dev.distro.registry.config.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VertxException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.spi.BodyStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Members from an address server, as in Nacos: an HTTP(S) GET of a URL whose body is a member list
 * in the cluster.conf format ({@link FileMemberLookup#parse}).
 *
 * <p>Guarantees: one request at a time (a lookup while one is in flight shares its answer, so a
 * slow server never piles up requests and answers never arrive out of order); the whole exchange
 * ends within {@link #TIMEOUT_MS}; only a 200 answer counts; the body is read into at most
 * {@link #MAX_BODY_BYTES} (a larger one fails the lookup and resets the request); failures are
 * one-line messages naming the URL (without any user-info). The WebClient is created once, in the
 * constructor; {@link #close()} releases it.
 */
public final class AddressServerMemberLookup implements MemberLookup, AutoCloseable {

  public static final long TIMEOUT_MS = 3_000;
  public static final int MAX_BODY_BYTES = 64 * 1024;

  private final String url;
  private final String shownUrl;
  private final WebClient client;
  private Future<List<String>> inFlight;

  /**
   * @param url an absolute http:// or https:// URL
   * @throws IllegalArgumentException if the URL is not one
   */
  public AddressServerMemberLookup(Vertx vertx, String url) {
    this.url = url;
    this.shownUrl = redact(url);
    try {
      URI u = new URI(url);
      String scheme = u.getScheme();
      if (u.getHost() == null || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
        throw new IllegalArgumentException("bad address-server URL '" + shownUrl + "' (expected http(s)://host[:port]/path)");
      }
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("bad address-server URL '" + shownUrl + "': " + e.getReason());
    }
    this.client = WebClient.create(vertx,
        new WebClientOptions()
            .setUserAgent("distro-node")
            .setConnectTimeout((int) TIMEOUT_MS)
            .setKeepAlive(true)
            .setFollowRedirects(true)
            .setMaxRedirects(3),
        new PoolOptions().setHttp1MaxSize(1).setHttp2MaxSize(1).setMaxWaitQueueSize(4));
  }

  @Override
  public Future<List<String>> lookup() {
    // Called only on the lookup verticle's event loop: an answer still pending is shared, not repeated.
    if (inFlight != null) {
      return inFlight;
    }
    Future<List<String>> f = fetch();
    inFlight = f;
    f.onComplete(ar -> {
      if (inFlight == f) {
        inFlight = null;
      }
    });
    return f;
  }

  private Future<List<String>> fetch() {
    BoundedBody body = new BoundedBody(MAX_BODY_BYTES, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS));
    Future<HttpResponse<Buffer>> sent;
    try {
      sent = client.getAbs(url)
          .connectTimeout(TIMEOUT_MS)
          .idleTimeout(TIMEOUT_MS)
          .as(() -> body)
          .send();
    } catch (RuntimeException e) {
      return Future.failedFuture("address server " + shownUrl + " failed: " + FileMemberLookup.describe(e));
    }
    return sent.timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS).transform(ar -> {
      if (body.tooLarge) {
        return Future.failedFuture("address server " + shownUrl + " answered more than " + MAX_BODY_BYTES + " bytes");
      }
      if (ar.failed()) {
        return Future.failedFuture("address server " + shownUrl + " failed: " + FileMemberLookup.describe(ar.cause()));
      }
      HttpResponse<Buffer> resp = ar.result();
      if (resp.statusCode() != 200) {
        return Future.failedFuture("address server " + shownUrl + " answered HTTP " + resp.statusCode());
      }
      Buffer b = resp.body();
      try {
        return Future.succeededFuture(FileMemberLookup.parse(b == null ? "" : b.toString(StandardCharsets.UTF_8),
            "address server " + shownUrl));
      } catch (ConfigException e) {
        return Future.failedFuture(e.getMessage());
      }
    });
  }

  /** Releases the HTTP client; later lookups fail. */
  @Override
  public void close() {
    client.close();
  }

  /** The URL without user-info, for messages. */
  static String redact(String url) {
    int scheme = url.indexOf("://");
    int at = url.indexOf('@');
    int slash = scheme < 0 ? -1 : url.indexOf('/', scheme + 3);
    if (scheme >= 0 && at > scheme && (slash < 0 || at < slash)) {
      return url.substring(0, scheme + 3) + url.substring(at + 1);
    }
    return url;
  }

  /**
   * Collects a response body up to a byte limit and a deadline; past either, the write fails,
   * which ends the pipe and resets the request.
   */
  private static final class BoundedBody implements BodyStream<Buffer> {

    private final int max;
    private final long deadlineNanos;
    private final Buffer buffer = Buffer.buffer();
    private final Promise<Buffer> result = Promise.promise();
    volatile boolean tooLarge;

    BoundedBody(int max, long deadlineNanos) {
      this.max = max;
      this.deadlineNanos = deadlineNanos;
    }

    @Override
    public Future<Buffer> result() {
      return result.future();
    }

    @Override
    public void handle(Throwable cause) {
      result.tryFail(cause);
    }

    @Override
    public Future<Void> write(Buffer data) {
      if (result.future().isComplete()) {
        return Future.failedFuture(new VertxException("body already failed", true));
      }
      if (buffer.length() + data.length() > max) {
        tooLarge = true;
        VertxException e = new VertxException("body larger than " + max + " bytes", true);
        result.tryFail(e);
        return Future.failedFuture(e);
      }
      if (System.nanoTime() - deadlineNanos > 0) {
        VertxException e = new VertxException("body not received within " + TIMEOUT_MS + " ms", true);
        result.tryFail(e);
        return Future.failedFuture(e);
      }
      buffer.appendBuffer(data);
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
      result.tryComplete(buffer);
      return Future.succeededFuture();
    }

    @Override
    public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
      return this;
    }
  }
}
