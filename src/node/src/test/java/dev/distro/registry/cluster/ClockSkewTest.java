package dev.distro.registry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClockSkewTest {

  final ClockSkew skew = new ClockSkew(30_000);

  @Test
  void offset_isThePeersClockMinusOursAtTheMiddleOfTheRoundTrip() {
    // sent at 1,000; answered 40 ms later; the peer read 7,200,020 while we were at 1,020
    skew.measured("b:1", 7_201_020, 1_000, 40);
    assertEquals(7_200_000L, skew.offset("b:1"));
  }

  @Test
  void verdict_oddOneOut_whenMostPeersDisagree() {
    skew.measured("a:1", 0, 7_200_000, 2);
    skew.measured("b:1", 5, 7_200_000, 2);
    String v = skew.verdict(30_000);
    assertNotNull(v);
    assertTrue(v.contains("ahead of") && v.contains("2 of 2"), v);
  }

  @Test
  void verdict_fine_whenOnlyAMinorityDisagrees() {
    skew.measured("b:1", 2_000, 0, 2);
    skew.measured("c:1", 7_200_000, 0, 2);
    assertNull(skew.verdict(30_000), "the member that is off is c, not this node");
  }

  @Test
  void verdict_none_withOnePeer_noMajorityTellsWhichClockIsWrong() {
    skew.measured("b:1", 7_200_000, 0, 2);
    assertNull(skew.verdict(30_000));
  }

  @Test
  void forget_dropsAPeerThatStoppedAnswering() {
    skew.measured("a:1", -7_200_000, 0, 2);
    skew.measured("b:1", -7_200_000, 0, 2);
    assertNotNull(skew.verdict(30_000));
    skew.forget("b:1");
    assertNull(skew.verdict(30_000));
    assertNull(skew.offset("b:1"));
  }

  @Test
  void agrees_onlyOnPositiveEvidence() {
    org.junit.jupiter.api.Assertions.assertFalse(skew.agrees(15_000), "no peer answers: nothing says the clock is right");
    skew.measured("a:1", 1_000, 0, 2);
    org.junit.jupiter.api.Assertions.assertFalse(skew.agrees(15_000), "one peer is no majority");
    skew.measured("b:1", -1_000, 0, 2);
    assertTrue(skew.agrees(15_000));
    skew.measured("b:1", -7_200_000, 0, 2);
    org.junit.jupiter.api.Assertions.assertFalse(skew.agrees(15_000));
  }

  @Test
  void verdict_hysteresis_tighterBoundToComeBack() {
    skew.measured("a:1", 20_000, 0, 2);
    skew.measured("b:1", 20_000, 0, 2);
    assertNull(skew.verdict(30_000));
    assertNotNull(skew.verdict(15_000));
    assertNull(skew.verdict(0), "0 turns the check off");
  }

  @Test
  void membersThatLeaveTheList_noLongerVote() {
    Cluster cluster = new Cluster("127.0.0.1:1", 30_000);
    cluster.setMembers(java.util.List.of("127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"));
    cluster.clocks().measured("127.0.0.1:2", 0, 7_200_000, 2);
    cluster.clocks().measured("127.0.0.1:3", 5, 7_200_000, 2);
    assertNotNull(cluster.clocks().verdict(30_000), "two peers two hours behind: this node is the odd one out");
    cluster.setMembers(java.util.List.of("127.0.0.1:1", "127.0.0.1:4", "127.0.0.1:5"));
    assertNull(cluster.clocks().offset("127.0.0.1:2"));
    assertNull(cluster.clocks().verdict(30_000), "former members' clocks no longer count");
  }
}
