package dev.distro.registry.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Token-file errors name the line and never show a token (findings of {@link TokenTableFuzzTest}). */
class TokenTableTest {

  static final String TOKEN = "secret-value-0123456789";

  static String refusal(String file) {
    return assertThrows(IllegalArgumentException.class, () -> TokenTable.parse(file, "tokens.txt")).getMessage();
  }

  @Test
  void badGrant_thatContainsTheToken_isNotShown() {
    // the fuzzer's finding: a grant pasted with the token in it was echoed in the error (and the log)
    String said = refusal("x " + TOKEN + " " + TOKEN + ":x\n");
    assertFalse(said.contains(TOKEN), said);
    assertTrue(said.contains("tokens.txt line 1") && said.contains("grant number 1"), said);
  }

  @Test
  void badGrant_asShortAsAGrant_isStillShown() {
    String said = refusal("x " + TOKEN + " public:x\n");
    assertTrue(said.contains("'public:x'"), said);
  }

  @Test
  void lineWithoutItsName_doesNotShowTheTokenInTheNamesPlace() {
    // the fuzzer's second finding: "token '<the token>' at line 1 is too short"
    String said = refusal(TOKEN + " public:rw dev:r\n");
    assertFalse(said.contains(TOKEN), said);
    assertTrue(said.startsWith("the token at tokens.txt line 1 is too short"), said);
  }

  @Test
  void shortNames_areStillShown() {
    assertTrue(refusal("ci short public:r\n").startsWith("token 'ci' at tokens.txt line 1 is too short"));
    assertTrue(refusal("ci " + TOKEN + " public:r\nci " + TOKEN + "x public:r\n")
        .startsWith("duplicate token name 'ci' at tokens.txt line 2"));
  }

  @Test
  void name_thatContainsItsToken_isRefusedWithoutShowingEither() {
    String said = refusal("my" + TOKEN + " " + TOKEN + " public:r\n");
    assertFalse(said.contains(TOKEN), said);
    assertTrue(said.contains("tokens.txt line 1"), said);
  }
}
