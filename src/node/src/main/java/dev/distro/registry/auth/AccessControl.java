package dev.distro.registry.auth;

/**
 * Client authentication on the client API and the watch endpoint: off by default (every request
 * passes, as with Nacos's {@code nacos.core.auth.enabled=false}); when on, the current
 * {@link TokenTable}, swapped whole when the token file changes ({@link TokenFileVerticle}).
 * A client presents its token as Nacos clients do: {@code Authorization: Bearer <token>}, else the
 * {@code accessToken} parameter (query string or form body).
 */
public final class AccessControl {

  public static final String TOKEN_PARAM = "accessToken";
  private static final String BEARER = "Bearer ";

  private final boolean enabled;
  private volatile TokenTable tokens = TokenTable.EMPTY;

  public AccessControl(boolean enabled) {
    this.enabled = enabled;
  }

  public boolean enabled() {
    return enabled;
  }

  public void tokens(TokenTable table) {
    this.tokens = table;
  }

  public TokenTable tokens() {
    return tokens;
  }

  /** The token's entry in the current table, or null (unknown or absent). */
  public TokenTable.Entry authenticate(String token) {
    return tokens.find(token);
  }

  /**
   * The token a request presents: the bearer token of its {@code Authorization} header, else its
   * {@code accessToken} parameter; null when neither is there or they are empty.
   */
  public static String token(String authorization, String accessTokenParam) {
    if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      String t = authorization.substring(BEARER.length()).trim();
      if (!t.isEmpty()) {
        return t;
      }
    }
    return accessTokenParam == null || accessTokenParam.isEmpty() ? null : accessTokenParam;
  }
}
