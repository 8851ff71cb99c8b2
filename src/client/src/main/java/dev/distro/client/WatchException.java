package dev.distro.client;

/** The node refused something: {@link #code()} is the protocol's error code ({@code forbidden}, {@code bad_filter}, ...). */
public final class WatchException extends RuntimeException {

  private final String code;

  public WatchException(String code, String message) {
    super(code + ": " + message, null, false, false);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
