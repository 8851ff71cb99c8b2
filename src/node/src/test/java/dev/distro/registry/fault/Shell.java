package dev.distro.registry.fault;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs system commands (ip, iptables, tc, apt-get) with a deadline and their output captured. */
final class Shell {

  record Result(int exit, String output) {
    boolean ok() {
      return exit == 0;
    }
  }

  private Shell() { }

  static Result run(long timeoutSeconds, String... cmd) {
    Path out = null;
    try {
      out = Files.createTempFile("fault-shell", ".out");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, String.join(" ", cmd) + ": timed out");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      return new Result(-1, String.join(" ", cmd) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    } finally {
      if (out != null) {
        try {
          Files.deleteIfExists(out);
        } catch (IOException ignored) {
          // a temp file left behind
        }
      }
    }
  }

  static Result run(String... cmd) {
    return run(30, cmd);
  }

  /** Runs and throws with the command's output when it fails. */
  static String must(String... cmd) {
    Result r = run(cmd);
    if (!r.ok()) {
      throw new IllegalStateException(String.join(" ", cmd) + " -> exit " + r.exit + ": " + r.output);
    }
    return r.output;
  }

  static boolean has(String command) {
    return run(5, "sh", "-c", "command -v " + command).ok();
  }

  static List<String> list(String... parts) {
    return new ArrayList<>(List.of(parts));
  }
}
