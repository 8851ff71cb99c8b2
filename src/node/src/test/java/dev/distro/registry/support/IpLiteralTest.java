package dev.distro.registry.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The pure literal parser, case by case: what is an IPv4 or IPv6 literal and what is not. */
class IpLiteralTest {

  @ParameterizedTest(name = "[{0}] v4={1} v6={2} v6WithZone={3}")
  @CsvSource(delimiter = '|', value = {
      // input                    | v4    | v6    | v6 with zone
      "10.0.0.1                   | true  | false | false",
      "0.0.0.0                    | true  | false | false",
      "255.255.255.255            | true  | false | false",
      "10.0.0.256                 | false | false | false",
      "10.0.0                     | false | false | false",
      "10.0.0.1.                  | false | false | false",
      "10.0.0.1.5                 | false | false | false",
      "010.0.0.1                  | false | false | false",
      "1.2.3.-4                   | false | false | false",
      "1..2.3                     | false | false | false",
      "0x7f.0.0.1                 | false | false | false",
      "١.٢.٣.٤                    | false | false | false",
      "localhost                  | false | false | false",
      "victim.example.com         | false | false | false",
      "::                         | false | true  | true",
      "::1                        | false | true  | true",
      "1::                        | false | true  | true",
      "fe80::1                    | false | true  | true",
      "2001:DB8::ff00:42:8329     | false | true  | true",
      "1:2:3:4:5:6:7:8            | false | true  | true",
      "1:2:3:4:5:6:7::            | false | true  | true",
      "::2:3:4:5:6:7:8            | false | true  | true",
      "::ffff:10.0.0.1            | false | true  | true",
      "1:2:3:4:5:6:1.2.3.4        | false | true  | true",
      "::ffff:010.0.0.1           | false | false | false",
      "::ffff:10.0.0              | false | false | false",
      "1:2:3:4:5:6:7:1.2.3.4      | false | false | false",
      "1:2:3:4:5:6:7:8:9          | false | false | false",
      "1:2:3:4:5:6:7:8::          | false | false | false",
      "1::2::3                    | false | false | false",
      ":::                        | false | false | false",
      ":1                         | false | false | false",
      "1:                         | false | false | false",
      "12345::                    | false | false | false",
      "g::1                       | false | false | false",
      "[::1]                      | false | false | false",
      "::1.2.3.4:5                | false | false | false",
      "fe80::1%eth0               | false | false | true",
      "fe80::1%                   | false | false | false",
      "fe80::1%eth0/x             | false | false | false",
      "%eth0                      | false | false | false",
  })
  void parses(String input, boolean v4, boolean v6, boolean v6WithZone) {
    assertEquals(v4, IpLiteral.isV4(input), "isV4");
    assertEquals(v6, IpLiteral.isV6(input), "isV6");
    assertEquals(v6WithZone, IpLiteral.isV6WithZone(input), "isV6WithZone");
    assertEquals(v4 || v6, IpLiteral.isValid(input), "isValid");
  }
}
