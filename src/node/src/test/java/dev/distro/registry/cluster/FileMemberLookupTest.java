package dev.distro.registry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.config.ConfigException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The cluster.conf format and reading it through Vert.x's async file system. */
@ExtendWith(VertxExtension.class)
class FileMemberLookupTest {

  @TempDir
  Path dir;

  static List<String> parse(String content) throws ConfigException {
    return FileMemberLookup.parse(content, "cluster.conf");
  }

  static String parseError(String content) {
    return assertThrows(ConfigException.class, () -> parse(content)).getMessage();
  }

  /** The failure of a future that must fail, waited for from the JUnit thread. */
  static Throwable failureOf(Future<?> f) throws Exception {
    AsyncResult<?> ar = f.transform(r -> Future.succeededFuture((AsyncResult<?>) r)).await(10, TimeUnit.SECONDS);
    assertTrue(ar.failed(), () -> "expected a failure, got " + ar.result());
    return ar.cause();
  }

  @Test
  void parse_commentsBlankLinesAndDefaultPort() throws Exception {
    String conf = """
        # the cluster
        10.0.0.1:8848

           # indented comment
        10.0.0.2
        10.0.0.3:9000   # trailing comment
        """;
    assertEquals(List.of("10.0.0.1:8848", "10.0.0.2:8848", "10.0.0.3:9000"), parse(conf));
  }

  @Test
  void parse_ipv6WithAndWithoutPort() throws Exception {
    assertEquals(List.of("[fd00::1]:8848", "[fd00::2]:9000", "[::1]:8848"), parse("[fd00::1]\n[fd00::2]:9000\n::1\n"));
  }

  @Test
  void parse_commaAndWhitespaceSeparatedOnOneLine() throws Exception {
    assertEquals(List.of("a:1", "b:2", "c:8848", "d:4"), parse("a:1,b:2 c\td:4,\r\n"));
  }

  @Test
  void parse_deduplicatesPreservingOrder() throws Exception {
    assertEquals(List.of("b:8848", "a:8848"), parse("b\na:8848\nb:8848\na\n"));
  }

  @Test
  void parse_crlfAndByteOrderMark() throws Exception {
    assertEquals(List.of("a:1", "b:2"), parse("\uFEFFa:1\r\nb:2\r\n"));
  }

  @Test
  void parse_badPort_namesTheSourceAndTheEntry() {
    String m = parseError("10.0.0.1:8848\n10.0.0.2:99999\n");
    assertTrue(m.contains("10.0.0.2:99999") && m.contains("cluster.conf"), m);
    m = parseError("host:http\n");
    assertTrue(m.contains("host:http") && m.contains("cluster.conf"), m);
  }

  @Test
  void parse_badEntries() {
    assertTrue(parseError("[fd00::1\n").contains("[fd00::1"));
    assertTrue(parseError("[fd00::1]x\n").contains("[fd00::1]x"));
    assertTrue(parseError(":8848\n").contains(":8848"));
    String longEntry = "h".repeat(10_000);
    String m = parseError(longEntry + "\n");
    assertTrue(m.length() < 200 && m.contains("longer than"), m);
  }

  @Test
  void parse_empty_isAFailure() {
    assertEquals("no members in cluster.conf", parseError(""));
    assertEquals("no members in cluster.conf", parseError("# only comments\n\n   \n#10.0.0.1\n"));
  }

  @Test
  void lookup_readsARealFile_andSeesChanges(Vertx vertx) throws Exception {
    Path conf = dir.resolve("cluster.conf");
    Files.writeString(conf, "# three nodes\n10.0.0.1:8848\n10.0.0.2:8848\n10.0.0.3\n");
    FileMemberLookup lookup = new FileMemberLookup(vertx, conf.toString());
    assertEquals(List.of("10.0.0.1:8848", "10.0.0.2:8848", "10.0.0.3:8848"), lookup.lookup().await(10, TimeUnit.SECONDS));

    Files.writeString(conf, "10.0.0.2:8848\n10.0.0.4:8848\n");
    assertEquals(List.of("10.0.0.2:8848", "10.0.0.4:8848"), lookup.lookup().await(10, TimeUnit.SECONDS));
  }

  @Test
  void lookup_badFile_failsNamingTheFile(Vertx vertx) throws Exception {
    Path conf = dir.resolve("cluster.conf");
    Files.writeString(conf, "10.0.0.1:8848\n10.0.0.2:0\n");
    String m = failureOf(new FileMemberLookup(vertx, conf.toString()).lookup()).getMessage();
    assertTrue(m.contains(conf.toString()) && m.contains("10.0.0.2:0"), m);

    Files.writeString(conf, "# nobody\n");
    assertEquals("no members in " + conf, failureOf(new FileMemberLookup(vertx, conf.toString()).lookup()).getMessage());
  }

  @Test
  void lookup_missingOrOversizedFile_fails(Vertx vertx) throws Exception {
    Path missing = dir.resolve("absent.conf");
    String m = failureOf(new FileMemberLookup(vertx, missing.toString()).lookup()).getMessage();
    assertTrue(m.startsWith("cannot read member list " + missing), m);

    Path big = dir.resolve("big.conf");
    Files.writeString(big, "# padding\n".repeat(FileMemberLookup.MAX_BYTES / 10 + 1));
    m = failureOf(new FileMemberLookup(vertx, big.toString()).lookup()).getMessage();
    assertTrue(m.contains("larger than"), m);

    m = failureOf(new FileMemberLookup(vertx, dir.toString()).lookup()).getMessage();
    assertTrue(m.contains("not a regular file"), m);
  }
}
