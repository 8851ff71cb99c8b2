package dev.distro.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the token file: {@link TokenTable#parse} returns a table or throws its declared
 * {@link IllegalArgumentException} with a one-line message that names the line and never shows a
 * token; nothing else. A table it returns holds one entry per token line, finds each token and
 * grants exactly what its line says.
 *
 * <p>Seeds: {@code src/test/resources/dev/distro/registry/auth/TokenTableFuzzTestInputs/tokenFile/}.
 */
class TokenTableFuzzTest {

  @FuzzTest(maxDuration = "5s")
  void tokenFile(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    TokenTable table;
    try {
      table = TokenTable.parse(text, "tokens.txt");
    } catch (IllegalArgumentException e) {
      String said = e.getMessage();
      assertNotNull(said);
      assertFalse(said.contains("\n") || said.contains("\r"), () -> "more than one line: " + said);
      assertTrue(said.contains("tokens.txt line "), () -> "the line is not named: " + said);
      for (String[] f : tokenLines(text)) {
        if (f.length > 1 && f[1].length() >= TokenTable.MIN_TOKEN_LENGTH) {
          assertFalse(said.contains(f[1]), () -> "a token shows in: " + said);
        }
      }
      return;
    }
    List<String[]> lines = tokenLines(text);
    assertEquals(lines.size(), table.size(), "one entry per token line");
    for (String[] f : lines) {
      TokenTable.Entry e = table.find(f[1]);
      assertNotNull(e, () -> "token of '" + f[0] + "' not found");
      assertEquals(f[0], e.name());
      for (int g = 2; g < f.length; g++) {
        int colon = f[g].lastIndexOf(':');
        String ns = f[g].substring(0, colon);
        String perm = f[g].substring(colon + 1);
        String probe = ns.equals(TokenTable.ALL_NAMESPACES) ? "any-namespace" : ns;
        if (perm.contains("r")) {
          assertTrue(e.may(TokenTable.Access.READ, probe), () -> f[0] + " may read " + ns);
        }
        if (perm.contains("w")) {
          assertTrue(e.may(TokenTable.Access.WRITE, probe), () -> f[0] + " may write " + ns);
        }
      }
    }
    String unknown = "not-a-token-of-this-file-" + text.length();
    if (lines.stream().noneMatch(f -> f[1].equals(unknown))) {
      assertNull(table.find(unknown), "an unknown token finds nothing");
    }
  }

  /** The fields of every line that is neither blank nor a comment (the same reading as the parser's). */
  static List<String[]> tokenLines(String text) {
    List<String[]> out = new ArrayList<>();
    for (String raw : text.split("\r?\n", -1)) {
      String line = raw.trim();
      if (!line.isEmpty() && !line.startsWith("#")) {
        out.add(line.split("\\s+"));
      }
    }
    return out;
  }
}
