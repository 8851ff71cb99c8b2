package dev.distro.registry.arch;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The node's packages in layers, lowest first; a class may use its own layer and the layers below,
 * never one above, and no two packages may depend on each other in a circle. docs/ARCHITECTURE.md
 * ("Packages") draws the same picture.
 *
 * <ol>
 *   <li>foundation: {@code model} (the registry's values), {@code support} (JSON, IP literals,
 *       logging, the event-loop watchdog)
 *   <li>{@code auth} (tokens), then {@code config} (settings, switches, TLS options)
 *   <li>state: {@code store} (the registry, merge rules, change events), {@code metrics} (meters)
 *   <li>views: {@code view} (Nacos list bodies), {@code watch} (the WebSocket watch)
 *   <li>{@code cluster}: members, ownership, peer transport, forwarding, this node's status
 *   <li>protocols: {@code distro} (sync, verify, repair, snapshot), {@code health} (leases),
 *       {@code push} (UDP push)
 *   <li>servers: {@code http} (the client and peer ports), {@code grpc} (the gRPC port for Nacos
 *       2.x/3.x clients)
 *   <li>wiring: {@code node} and {@code Main}
 * </ol>
 */
@AnalyzeClasses(packages = "dev.distro.registry", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

  private static final String ROOT = "dev.distro.registry";

  @ArchTest
  static final ArchRule packagesFormNoCycle = slices().matching(ROOT + ".(*)..").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule lowerLayersNeverUseHigherOnes = layeredArchitecture().consideringOnlyDependenciesInLayers()
      .layer("foundation").definedBy(ROOT + ".model..", ROOT + ".support..")
      .layer("auth").definedBy(ROOT + ".auth..")
      .layer("config").definedBy(ROOT + ".config..")
      .layer("state").definedBy(ROOT + ".store..", ROOT + ".metrics..")
      .layer("views").definedBy(ROOT + ".view..", ROOT + ".watch..")
      .layer("cluster").definedBy(ROOT + ".cluster..")
      .layer("protocols").definedBy(ROOT + ".distro..", ROOT + ".health..", ROOT + ".push..")
      .layer("servers").definedBy(ROOT + ".http..", ROOT + ".grpc..")
      .layer("wiring").definedBy(ROOT + ".node..", ROOT)
      .whereLayer("wiring").mayNotBeAccessedByAnyLayer()
      .whereLayer("servers").mayOnlyBeAccessedByLayers("wiring")
      .whereLayer("protocols").mayOnlyBeAccessedByLayers("servers", "wiring")
      .whereLayer("cluster").mayOnlyBeAccessedByLayers("protocols", "servers", "wiring")
      .whereLayer("views").mayOnlyBeAccessedByLayers("protocols", "servers", "wiring")
      .whereLayer("state").mayOnlyBeAccessedByLayers("views", "cluster", "protocols", "servers", "wiring")
      .whereLayer("config").mayOnlyBeAccessedByLayers("state", "views", "cluster", "protocols", "servers", "wiring")
      .whereLayer("auth").mayOnlyBeAccessedByLayers("config", "servers", "wiring");
}
