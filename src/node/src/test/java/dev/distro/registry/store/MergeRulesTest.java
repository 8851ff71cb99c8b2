package dev.distro.registry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.MergeRules.Decision;
import dev.distro.registry.store.MergeRules.Facts;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The merge rules as a table: one row per rule of docs/ARCHITECTURE.md ("Merge rules"), each with
 * the case it decides and, where it has one, the case just outside it. Times are wall-clock ms;
 * {@code v(ms)} is the first version stamped in that millisecond.
 */
class MergeRulesTest {

  static final ServiceKey SVC = new ServiceKey("public", "DEFAULT_GROUP", "s");
  static final long T0 = 1_700_000_000_000L;

  static long v(long ms) {
    return Versions.versionAt(ms);
  }

  static Instance inst(boolean healthy, long version) {
    return new Instance(SVC, "DEFAULT", "10.0.0.1", 80, 1.0, healthy, true, true, Map.of(), version);
  }

  static Instance healthy(long version) {
    return inst(true, version);
  }

  static Instance unhealthy(long version) {
    return inst(false, version);
  }

  static Tombstone tomb(long version) {
    return new Tombstone(version, 0);
  }

  static final Facts REPLICA = Facts.NONE;
  static final Facts OWNER = new Facts(true, false, 0);

  static Facts ownersRepair(long heardClientMs) {
    return new Facts(false, true, heardClientMs);
  }

  static Arguments row(String rule, Supplier<Decision> decide, Decision expected) {
    return Arguments.of(rule, decide, expected);
  }

  static Stream<Arguments> rules() {
    return Stream.of(
        // 1. newer wins
        row("1 newer wins: a newer copy is applied",
            () -> MergeRules.put(healthy(v(T0)), 0, null, healthy(v(T0 + 1)), REPLICA), Decision.APPLY),
        row("1 newer wins: an older or equal copy is stale (so a duplicate changes nothing)",
            () -> MergeRules.put(healthy(v(T0)), 0, null, unhealthy(v(T0)), REPLICA), Decision.STALE),
        row("1 newer wins: a copy older than a remembered delete is stale",
            () -> MergeRules.put(null, 0, tomb(v(T0 + 1)), healthy(v(T0)), REPLICA), Decision.STALE),
        row("1 newer wins: a healthy copy newer than a remembered delete is a registration again",
            () -> MergeRules.put(null, 0, tomb(v(T0)), healthy(v(T0 + 1)), REPLICA), Decision.APPLY),
        row("1 newer wins: a delete at least as new as the copy removes it, at its own version",
            () -> MergeRules.delete(healthy(v(T0)), 0, v(T0), REPLICA), Decision.deleteAt(v(T0))),
        row("1 newer wins: a delete of an instance not held is remembered",
            () -> MergeRules.delete(null, 0, v(T0), REPLICA), Decision.deleteAt(v(T0))),
        row("1 newer wins: a delete older than a healthy copy is stale",
            () -> MergeRules.delete(healthy(v(T0 + 1)), 0, v(T0), REPLICA), Decision.STALE),
        // 2. owner re-asserts against a downgrade made before it last heard the client
        row("2 owner: an unhealthy mark made before the client was last heard here is re-asserted against",
            () -> MergeRules.put(healthy(v(T0)), T0 + 2, null, unhealthy(v(T0 + 1)), OWNER), Decision.REASSERT),
        row("2 owner: a delete made before the client was last heard here is re-asserted against",
            () -> MergeRules.delete(healthy(v(T0)), T0 + 2, v(T0 + 1), OWNER), Decision.REASSERT),
        row("2 owner: a mark made after the client was last heard is applied",
            () -> MergeRules.put(healthy(v(T0)), T0 + 1, null, unhealthy(v(T0 + 2)), OWNER), Decision.APPLY),
        row("2 owner: a lease restart is not hearing the client (clientSeen 0): the delete wins",
            () -> MergeRules.delete(healthy(v(T0)), 0, v(T0 + 1), OWNER), Decision.deleteAt(v(T0 + 1))),
        row("2 not the owner: a replica that heard the client does not re-assert, the delete wins",
            () -> MergeRules.delete(healthy(v(T0)), T0 + 2, v(T0 + 1), REPLICA), Decision.deleteAt(v(T0 + 1))),
        // 3. a delete beats a newer unhealthy mark made without hearing the client since the delete
        row("3 delete vs mark: a newer unhealthy mark made without hearing the client loses, under its version",
            () -> MergeRules.delete(unhealthy(v(T0 + 2)), 0, v(T0 + 1), REPLICA), Decision.deleteAt(v(T0 + 2))),
        row("3 delete vs mark: the client heard here since the delete keeps the newer mark",
            () -> MergeRules.delete(unhealthy(v(T0 + 2)), T0 + 2, v(T0 + 1), REPLICA), Decision.STALE),
        // 4. an unhealthy copy newer than a remembered delete does not bring the instance back
        row("4 tombstone vs mark: a newer unhealthy copy does not undo a remembered delete, which takes its version",
            () -> MergeRules.put(null, 0, tomb(v(T0)), unhealthy(v(T0 + 1)), REPLICA), Decision.deleteAt(v(T0 + 1))),
        // 5. the owner's repair beats a remembered delete if the owner heard the client after it
        row("5 owner's repair: the owner heard the client after the delete: its copy wins, even an older one",
            () -> MergeRules.put(null, 0, tomb(v(T0 + 1)), healthy(v(T0)), ownersRepair(T0 + 2)), Decision.APPLY),
        row("5 owner's repair: its unhealthy copy too, once the client was heard after the delete",
            () -> MergeRules.put(null, 0, tomb(v(T0)), unhealthy(v(T0 + 1)), ownersRepair(T0 + 2)), Decision.APPLY),
        row("5 owner's repair: heard before the delete (a member that just took over, a stale copy): stale",
            () -> MergeRules.put(null, 0, tomb(v(T0 + 1)), healthy(v(T0)), ownersRepair(T0)), Decision.STALE),
        row("5 not an owner's repair (one ring only, or a sync): the client-seen time counts for nothing",
            () -> MergeRules.put(null, 0, tomb(v(T0 + 1)), healthy(v(T0)), new Facts(false, false, T0 + 2)),
            Decision.STALE),
        // 6. a verify repair drops copies the owner does not list once older than its listing
        row("6 repair drop: a copy older than the owner's listing is dropped here only",
            () -> MergeRules.repairOmits(healthy(v(T0)), v(T0 + 1)), Decision.DROP),
        row("6 repair drop: a copy at least as new as the listing is kept",
            () -> MergeRules.repairOmits(healthy(v(T0 + 1)), v(T0 + 1)), Decision.STALE),
        // 7. service settings: newer wins, a service delete too (it keeps a service that has instances)
        row("7 service: newer settings are applied",
            () -> MergeRules.servicePut(v(T0), null, v(T0 + 1)), Decision.APPLY),
        row("7 service: settings older than a remembered service delete are stale",
            () -> MergeRules.servicePut(-1, tomb(v(T0 + 1)), v(T0)), Decision.STALE),
        row("7 service: a newer service delete applies",
            () -> MergeRules.serviceDelete(v(T0), v(T0 + 1)), Decision.deleteAt(v(T0 + 1))),
        row("7 service: the same service delete again is stale",
            () -> MergeRules.serviceDelete(v(T0 + 1), v(T0 + 1)), Decision.STALE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void rule(String rule, Supplier<Decision> decide, Decision expected) {
    assertEquals(expected, decide.get(), rule);
  }
}
