package dev.distro.registry.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import dev.distro.registry.node.Node;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Nacos 1.4.x client against a node with client authentication on: configured with
 * {@code username} = a token's name and {@code password} = the token, it logs in as with Nacos and
 * sends the {@code accessToken} on every call.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NacosClientAuthTest {

  static final String TOKEN = "nacos-client-token-0123456789";
  static final String READER = "nacos-reader-token-0123456789";

  Vertx vertx;
  Node node;
  NamingService writer;
  NamingService reader;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    System.setProperty("JM.SNAPSHOT.PATH", dir.toString());
    System.setProperty("com.alibaba.nacos.naming.cache.dir", dir.resolve("naming").toString());
    System.setProperty("JM.LOG.PATH", dir.resolve("logs").toString());
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "app " + TOKEN + " public:rw\nviewer " + READER + " public:r\n");
    vertx = Vertx.vertx();
    node = TestNodes.standalone(vertx, Map.of("auth-enabled", "true", "auth-tokens-file", tokens.toString()));
    writer = client("app", TOKEN);
    reader = client("viewer", READER);
  }

  NamingService client(String user, String password) throws NacosException {
    Properties p = new Properties();
    p.setProperty("serverAddr", "127.0.0.1:" + node.config().port);
    p.setProperty("namingLoadCacheAtStart", "false");
    p.setProperty("username", user);
    p.setProperty("password", password);
    return NamingFactory.createNamingService(p);
  }

  @AfterAll
  void stop() throws Exception {
    writer.shutDown();
    reader.shutDown();
    Wait.on(vertx.close());
  }

  @Test
  void loggedInClient_registersAndReads_readOnlyClientCannotWrite() throws Exception {
    Instance i = new Instance();
    i.setIp("10.7.0.1");
    i.setPort(8080);
    writer.registerInstance("secured", i);
    assertEquals(1, writer.getAllInstances("secured", false).size());
    assertEquals(1, reader.getAllInstances("secured", false).size());
    long before = node.store().revision();
    NacosException e = assertThrows(NacosException.class, () -> reader.registerInstance("secured", "10.7.0.2", 80));
    assertEquals(403, e.getErrCode());
    assertEquals(before, node.store().revision());
  }
}
