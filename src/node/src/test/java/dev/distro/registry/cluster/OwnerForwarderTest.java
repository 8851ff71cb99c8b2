package dev.distro.registry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Forwarding to the owner against a scripted transport (no socket): who gets the write, and when it stays here. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OwnerForwarderTest {

  static final String SELF = "127.0.0.1:18848";
  static final String PEER = "127.0.0.1:28848";

  final Cluster cluster = new Cluster(SELF);
  final LongAdder forwards = new LongAdder();
  final List<String> sent = new ArrayList<>();
  Future<OwnerForwarder.Forwarded> answer = Future.succeededFuture(
      new OwnerForwarder.Forwarded(200, "text/plain", Buffer.buffer("ok")));

  OwnerForwarderTest() {
    cluster.setMembers(List.of(SELF, PEER));
    cluster.selfState(Member.State.UP);
    cluster.pingResult(PEER, true, Member.State.UP, false);
  }

  OwnerForwarder forwarder() {
    return new OwnerForwarder(cluster, (owner, method, uri, type, body, auth, timeout) -> {
      sent.add(owner + " " + method + " " + uri + " " + type + " " + (body == null ? null : body.toString()) + " "
          + auth);
      return answer;
    }, 1_000, forwards);
  }

  int portOwnedBy(String owner) {
    for (int port = 1; port < 10_000; port++) {
      if (owner.equals(cluster.ownerOf("10.0.0.1", port))) {
        return port;
      }
    }
    throw new AssertionError(owner + " owns no port");
  }

  OwnerForwarder.Result forward(boolean forwarded, String port, String beat, String form) {
    Future<OwnerForwarder.Result> f = forwarder().forward(new OwnerForwarder.Write(HttpMethod.POST,
        "/nacos/v1/ns/instance?serviceName=s", forwarded, "10.0.0.1", port, beat,
        form == null ? null : Buffer.buffer(form), form == null ? null : FORM_TYPE, "Bearer t"));
    assertTrue(f.isComplete());
    return f.result();
  }

  static final String FORM_TYPE = "application/x-www-form-urlencoded; charset=UTF-8";

  /**
   * The form goes to the owner byte for byte as the client sent it, with the client's content type
   * (lower-case escapes, an escaped '~', '+' for a space: an encoder of its own would have written
   * some of these differently).
   */
  @Test
  void peersInstance_forwardedWithTheClientsFormBytesAndToken_ownersAnswerRelayed() {
    int port = portOwnedBy(PEER);
    String form = "ip=10.0.0.1&port=" + port + "&metadata=%7b%22a%22%3a%22b+c%22%7d&x=%7e";
    OwnerForwarder.Result r = forward(false, "" + port, null, form);
    assertEquals(new OwnerForwarder.Forwarded(200, "text/plain", Buffer.buffer("ok")), r);
    assertEquals(List.of(PEER + " POST /nacos/v1/ns/instance?serviceName=s " + FORM_TYPE + " " + form + " Bearer t"),
        sent);
    assertEquals(1, forwards.sum());
  }

  @Test
  void ownInstance_appliedHere_nothingSent() {
    OwnerForwarder.Result r = forward(false, "" + portOwnedBy(SELF), null, null);
    assertEquals(new OwnerForwarder.ApplyHere("owned here", false), r);
    assertEquals(List.of(), sent);
    assertEquals(0, forwards.sum());
  }

  @Test
  void alreadyForwarded_appliedHere() {
    assertEquals(new OwnerForwarder.ApplyHere("forwarded already", false),
        forward(true, "" + portOwnedBy(PEER), null, null));
    assertEquals(List.of(), sent);
  }

  @Test
  void beatNamesTheInstance() {
    int port = portOwnedBy(PEER);
    assertInstanceOf(OwnerForwarder.Forwarded.class,
        forward(false, "" + portOwnedBy(SELF), "{\"ip\":\"10.0.0.1\",\"port\":" + port + "}", null));
    assertEquals(new OwnerForwarder.ApplyHere("unreadable beat", false), forward(false, "" + port, "{", null));
  }

  @Test
  void ownerUnreachable_appliedHere() {
    int port = portOwnedBy(PEER);
    cluster.pingResult(PEER, false, null, true); // connection refused: DOWN at once
    OwnerForwarder.Result r = forward(false, "" + port, null, null);
    assertInstanceOf(OwnerForwarder.ApplyHere.class, r);
    assertFalse(((OwnerForwarder.ApplyHere) r).ownerFailed());
    assertEquals(List.of(), sent);
  }

  @Test
  void ownerAnswers503OrFails_appliedHereAsAFailedForward() {
    int port = portOwnedBy(PEER);
    answer = Future.succeededFuture(new OwnerForwarder.Forwarded(503, null, Buffer.buffer()));
    assertEquals(new OwnerForwarder.ApplyHere("owner " + PEER + " answered 503", true),
        forward(false, "" + port, null, null));
    answer = Future.failedFuture("timeout");
    assertEquals(new OwnerForwarder.ApplyHere("owner " + PEER + " did not answer", true),
        forward(false, "" + port, null, null));
    assertEquals(2, forwards.sum());
  }
}
