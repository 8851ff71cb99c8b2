package dev.distro.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ServerCpuTest {

  @Test
  void parse_readsTheProcessCpuCounter_notItsHelpOrNeighbours() {
    String exposition = """
        # HELP process_cpu_time_ns_total The "cpu time" used by the Java Virtual Machine process
        # TYPE process_cpu_time_ns_total counter
        process_cpu_time_ns_total 1.63E9
        # HELP process_cpu_usage The "recent cpu usage" for the Java Virtual Machine process
        process_cpu_usage 0.25
        """;
    assertEquals(1_630_000_000L, ServerCpu.parse(exposition));
  }

  @Test
  void parse_acceptsLabels_andLargeValues() {
    assertEquals(123_456_789_012L, ServerCpu.parse("process_cpu_time_ns_total{app=\"x\"} 1.23456789012E11\n"));
  }

  @Test
  void parse_answersNullWhenTheCounterIsMissing() {
    assertNull(ServerCpu.parse("process_cpu_usage 0.5\nprocess_cpu_time_ns_total_other 3\n"));
  }
}
