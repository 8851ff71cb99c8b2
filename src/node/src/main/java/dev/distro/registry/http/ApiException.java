package dev.distro.registry.http;

/**
 * A request the node refuses: an HTTP status, a Nacos v2 error code and a message. Rendered as
 * plain text on v1 and in the JSON envelope on v2. No stack trace: it is control flow.
 */
public final class ApiException extends RuntimeException {

  public static final int PARAMETER_MISSING = 10000;
  public static final int PARAMETER_VALIDATE_ERROR = 10001;
  public static final int RESOURCE_NOT_FOUND = 20004;
  public static final int SERVICE_ERROR = 21000;
  public static final int SERVER_ERROR = 30000;

  final int status;
  final int code;

  public ApiException(int status, int code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  static ApiException missing(String param) {
    return new ApiException(400, PARAMETER_MISSING, "Param '" + param + "' is required.");
  }

  static ApiException illegal(String param, String detail) {
    return new ApiException(400, PARAMETER_VALIDATE_ERROR, "Param '" + param + "' is illegal, " + detail);
  }

  static ApiException notFound(String message) {
    return new ApiException(404, RESOURCE_NOT_FOUND, message);
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, SERVICE_ERROR, message);
  }

  /** The v2 envelope's {@code message} for this code. */
  String codeMessage() {
    return switch (code) {
      case PARAMETER_MISSING -> "parameter missing";
      case PARAMETER_VALIDATE_ERROR -> "parameter validate error";
      case RESOURCE_NOT_FOUND -> "resource not found";
      case SERVICE_ERROR -> "service error";
      default -> "server error";
    };
  }
}
