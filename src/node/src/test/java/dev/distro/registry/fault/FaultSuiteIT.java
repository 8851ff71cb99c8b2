package dev.distro.registry.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fault suite from the build: the short profile in every {@code mvn -B verify}, the full one
 * with {@code mvn -B verify -Pfaults}. Fails unless every fault converges within the bound with
 * nothing lost, resurrected, answered empty, missed or repeated by a watcher, and unless the
 * instances of the gRPC clients that crashed with the killed node are gone from every node within
 * the holder grace + the convergence bound.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class FaultSuiteIT {

  @Test
  void everyFault_convergesWithNothingLost() throws Exception {
    FaultSuite suite = new FaultSuite(FaultSuite.Settings.fromProperties(),
        Path.of(System.getProperty("faults.dir", "target/faults")));
    try {
      suite.run(Path.of(System.getProperty("distro.jar", "../../target/distro-node.jar")));
    } finally {
      String table = suite.table();
      System.out.println(table);
      suite.writeReport();
    }
    for (FaultSuite.Row r : suite.rows) {
      assertTrue(r.clean(), r.fault() + ": " + r + "\n" + suite.table());
      if (r.fault().startsWith("SIGKILL")) {
        assertTrue(r.crashed() > 0, "some gRPC clients crashed with the killed node: " + r);
      }
    }
    if (System.getProperty("faults.only", "").isEmpty()) {
      assertEquals(suite.settings.scenarios(), suite.rows.size(), "every scenario ran");
    }
  }
}
