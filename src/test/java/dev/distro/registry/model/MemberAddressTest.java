package dev.distro.registry.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MemberAddressTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      10.0.0.1:8848         | 10.0.0.1     | 8848  | 10.0.0.1:8848
      node-a.svc:1          | node-a.svc   | 1     | node-a.svc:1
      [::1]:8848            | ::1          | 8848  | [::1]:8848
      [fe80::1%eth0]:65535  | fe80::1%eth0 | 65535 | [fe80::1%eth0]:65535
      127.0.0.1:0           | 127.0.0.1    | 0     | 127.0.0.1:0
      """)
  void parse_writtenAddress(String in, String host, int port, String written) {
    MemberAddress a = MemberAddress.parse(in);
    assertEquals(new MemberAddress(host, port), a);
    assertEquals(written, a.toString());
    assertEquals(a, MemberAddress.parse(a.toString()));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      10.0.0.1:9000  | 10.0.0.1 | 9000 | 10.0.0.1:9000
      10.0.0.1       | 10.0.0.1 | 8848 | 10.0.0.1:8848
      node-a         | node-a   | 8848 | node-a:8848
      [::1]          | ::1      | 8848 | [::1]:8848
      [::1]:9000     | ::1      | 9000 | [::1]:9000
      fe80::1        | fe80::1  | 8848 | [fe80::1]:8848
      10.0.0.1:+80   | 10.0.0.1 | 80   | 10.0.0.1:80
      """)
  void parse_configuredEntry_defaultPort(String in, String host, int port, String written) {
    MemberAddress a = MemberAddress.parse(in, 8848);
    assertEquals(new MemberAddress(host, port), a);
    assertEquals(written, a.toString());
  }

  @ParameterizedTest(name = "[{0}]")
  @CsvSource(delimiter = '|', textBlock = """
      ''               | bad member ''
      :8848            | bad member ':8848'
      'a b:1'          | bad member 'a b:1'
      a/b:1            | bad member 'a/b:1'
      a#b:1            | bad member 'a#b:1'
      []:1             | bad member '[]:1'
      [::1             | bad member '[::1'
      [::1]8848        | bad member '[::1]8848'
      10.0.0.1:x       | bad port in member '10.0.0.1:x'
      10.0.0.1:        | bad port in member '10.0.0.1:'
      10.0.0.1:0       | bad port in member '10.0.0.1:0'
      10.0.0.1:65536   | bad port in member '10.0.0.1:65536'
      [::1]:-1         | bad port in member '[::1]:-1'
      """)
  void parse_configuredEntry_badInput_namesIt(String in, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemberAddress.parse(in, 8848));
    assertEquals(message, e.getMessage());
  }

  @ParameterizedTest(name = "[{0}]")
  @CsvSource(delimiter = '|', textBlock = """
      10.0.0.1    | bad port in member '10.0.0.1': none given
      [::1]       | bad port in member '[::1]': none given
      fe80::1     | bad port in member 'fe80::1': none given
      10.0.0.1:-1 | bad port in member '10.0.0.1:-1'
      """)
  void parse_writtenAddress_needsAPort(String in, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemberAddress.parse(in));
    assertEquals(message, e.getMessage());
  }

  @Test
  void parse_null_refused() {
    assertThrows(IllegalArgumentException.class, () -> MemberAddress.parse(null));
  }

  @Test
  void peerPort_addsTheOffset() {
    assertEquals(9849, MemberAddress.parse("10.0.0.1:8848").peerPort(1001));
    assertEquals(7000, MemberAddress.parse("[::1]:8848").peerPort(7000 - 8848));
  }
}
