package dev.distro.registry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.RuntimeFaultPlan.Rules;
import dev.distro.registry.support.Json;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RuntimeFaultPlanTest {

  static final String SELF = "127.0.0.1:18848";
  static final String PEER = "127.0.0.1:18858";
  static final String OTHER = "127.0.0.1:18868";

  static Rules parse(String json) throws Exception {
    return Rules.fromJson(Json.parse(json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void fresh_dropsAndDelaysNothing() {
    RuntimeFaultPlan plan = new RuntimeFaultPlan();
    assertSame(Rules.NONE, plan.rules());
    assertFalse(plan.drops(SELF, PEER));
    assertEquals(0, plan.delayMs(SELF, PEER));
    assertEquals("{\"drop\":[],\"lossPercent\":0.0,\"delayMs\":0,\"jitterMs\":0}", plan.rules().toJson());
  }

  @Test
  void fromJson_everyField_andToJsonSortsTheDropList() throws Exception {
    Rules r = parse("{\"drop\":[\"127.0.0.1:18868\",\" 127.0.0.1:18858 \",\"10.0.0.1\"],\"lossPercent\":5,"
        + "\"delayMs\":100,\"jitterMs\":20}");
    assertEquals(Set.of(PEER, OTHER, "10.0.0.1:8848"), r.drop(), "checked and normalized as cluster.conf lines");
    assertEquals(5.0, r.lossPercent());
    assertEquals(100, r.delayMs());
    assertEquals(20, r.jitterMs());
    assertEquals("{\"drop\":[\"10.0.0.1:8848\",\"127.0.0.1:18858\",\"127.0.0.1:18868\"],\"lossPercent\":5.0,"
        + "\"delayMs\":100,\"jitterMs\":20}", r.toJson());
  }

  @Test
  void fromJson_emptyOrNulls_isNoFault() throws Exception {
    assertEquals(Rules.NONE, parse("{}"));
    assertEquals(Rules.NONE, parse("{\"drop\":null,\"lossPercent\":null,\"delayMs\":null,\"jitterMs\":null}"));
    assertEquals(Rules.NONE, parse("{\"drop\":[]}"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      []                                        | expected a JSON object
      {"lossPercent":-1}                        | lossPercent must be from 0 to 100
      {"lossPercent":100.5}                     | lossPercent must be from 0 to 100
      {"lossPercent":"5"}                       | lossPercent must be a number from 0 to 100
      {"lossPercent":1e999}                     | lossPercent must be from 0 to 100
      {"delayMs":-1}                            | delayMs must be from 0 to 60000
      {"delayMs":60001}                         | delayMs must be from 0 to 60000
      {"delayMs":1.5}                           | delayMs must be an integer from 0 to 60000
      {"delayMs":"100"}                         | delayMs must be an integer from 0 to 60000
      {"delayMs":99999999999999999999999}       | delayMs must be an integer from 0 to 60000
      {"jitterMs":-5,"delayMs":10}              | jitterMs must be from 0 to 60000
      {"delayMs":10,"jitterMs":11}              | jitterMs (11) must not exceed delayMs (10)
      {"jitterMs":1}                            | jitterMs (1) must not exceed delayMs (0)
      {"drop":"127.0.0.1:18858"}                | drop must be an array of member addresses (host:port)
      {"drop":[1]}                              | drop must be an array of member addresses (host:port)
      {"drop":["127.0.0.1:0"]}                  | bad port in member '127.0.0.1:0' in drop
      {"drop":["a b:1"]}                        | bad member 'a b:1' in drop
      {"drop":[""]}                             | bad member '' in drop
      {"delay":100}                             | unknown field 'delay' (expected drop, lossPercent, delayMs, jitterMs)
      """)
  void fromJson_badValues_refusedWithAMessage(String json, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(json));
    assertEquals(message, e.getMessage());
  }

  @Test
  void fromJson_tooManyOrTooLongAddresses_refused() {
    StringBuilder many = new StringBuilder("{\"drop\":[");
    for (int i = 0; i <= RuntimeFaultPlan.MAX_DROP; i++) {
      many.append(i == 0 ? "" : ",").append("\"10.0.").append(i / 250).append('.').append(i % 250).append(":1\"");
    }
    assertEquals("drop lists 1001 addresses (at most 1000)",
        assertThrows(IllegalArgumentException.class, () -> parse(many + "]}")).getMessage());
    String longHost = "h".repeat(RuntimeFaultPlan.MAX_ADDRESS_LENGTH) + ":1";
    assertEquals("a drop address is longer than 300 characters", assertThrows(IllegalArgumentException.class,
        () -> parse("{\"drop\":[\"" + longHost + "\"]}")).getMessage());
  }

  @Test
  void drop_failsOnlyTheListedTargets_untilReplaced() {
    RuntimeFaultPlan plan = new RuntimeFaultPlan();
    Rules cut = new Rules(Set.of(PEER), 0, 0, 0);
    assertSame(Rules.NONE, plan.replace(cut));
    assertTrue(plan.drops(SELF, PEER));
    assertFalse(plan.drops(SELF, OTHER));
    assertSame(cut, plan.replace(Rules.NONE));
    assertFalse(plan.drops(SELF, PEER));
  }

  @Test
  void lossPercent_dropsThatShareOfRequests() {
    RuntimeFaultPlan plan = new RuntimeFaultPlan();
    plan.replace(new Rules(Set.of(), 100, 0, 0));
    for (int i = 0; i < 1_000; i++) {
      assertTrue(plan.drops(SELF, PEER));
    }
    plan.replace(new Rules(Set.of(), 25, 0, 0));
    int dropped = 0;
    for (int i = 0; i < 20_000; i++) {
      dropped += plan.drops(SELF, PEER) ? 1 : 0;
    }
    // 25% of 20,000 = 5,000, standard deviation about 61: 4,500..5,500 is over 8 of them
    assertTrue(dropped > 4_500 && dropped < 5_500, dropped + " of 20000 dropped at 25%");
  }

  @Test
  void delay_uniformWithinJitter_neverNegative() {
    RuntimeFaultPlan plan = new RuntimeFaultPlan();
    plan.replace(new Rules(Set.of(), 0, 300, 0));
    assertEquals(300, plan.delayMs(SELF, PEER));
    plan.replace(new Rules(Set.of(), 0, 100, 20));
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < 10_000; i++) {
      long d = plan.delayMs(SELF, PEER);
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    assertEquals(80, min);
    assertEquals(120, max);
    plan.replace(new Rules(Set.of(), 0, 5, 5));
    for (int i = 0; i < 1_000; i++) {
      assertTrue(plan.delayMs(SELF, PEER) >= 0);
    }
  }
}
