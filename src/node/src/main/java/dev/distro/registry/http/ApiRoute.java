package dev.distro.registry.http;

import java.util.function.Consumer;

/**
 * One route of the client API: its method and exact path, the handler, which rendering it uses
 * (v1 or v2), how the server status gates it, and whether it is an instance write or beat that is
 * sent on to the instance's owner; {@code name} ({@code "METHOD path"}) labels its request meters.
 */
record ApiRoute(String method, String path, Consumer<Call> handler, boolean v2, Kind kind, boolean forwardable,
    String name) {

  /** How a route is gated by the server status (Nacos's TrafficReviseFilter) and by authentication. */
  enum Kind { READ, WRITE, OPS, LOGIN }

  static ApiRoute of(String method, String path, Consumer<Call> handler, boolean v2, Kind kind) {
    boolean forwardable = kind == Kind.WRITE && (path.endsWith("/instance") || path.endsWith("/instance/beat"));
    return new ApiRoute(method, path, handler, v2, kind, forwardable, method + " " + path);
  }
}
