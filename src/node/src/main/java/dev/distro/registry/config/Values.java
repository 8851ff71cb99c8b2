package dev.distro.registry.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** Typed readers of resolved setting values: each refuses a bad value with a message naming the setting. */
final class Values {

  private Values() { }

  static String nonBlank(Map<String, String> v, String name) throws ConfigException {
    String s = v.get(name);
    if (s == null || s.isBlank()) {
      throw new ConfigException("bad value for " + name + ": empty");
    }
    return s;
  }

  static int intIn(Map<String, String> v, String name, int min, int max) throws ConfigException {
    return (int) longIn(v, name, min, max);
  }

  static long longIn(Map<String, String> v, String name, long min, long max) throws ConfigException {
    String s = v.get(name);
    try {
      long n = Long.parseLong(s);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new ConfigException("bad value for " + name + ": '" + s + "' (expected an integer from " + min
        + " to " + max + ")");
  }

  static boolean bool(Map<String, String> v, String name) throws ConfigException {
    String s = v.get(name);
    if ("true".equalsIgnoreCase(s)) {
      return true;
    }
    if ("false".equalsIgnoreCase(s)) {
      return false;
    }
    throw new ConfigException("bad value for " + name + ": '" + s + "' (expected true or false)");
  }

  static void pem(String path, String setting, String marker) throws ConfigException {
    String text = readText(path, setting);
    if (!text.contains("-----BEGIN ") || !text.contains(marker)) {
      throw new ConfigException("bad value for " + setting + ": " + path + " is not a PEM file with a "
          + marker.replace("-----", "").toLowerCase(Locale.ROOT));
    }
  }

  static String readText(String path, String setting) throws ConfigException {
    try {
      return Files.readString(Path.of(path), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("cannot read " + setting + " " + path + ": "
          + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
    }
  }

  static void require(String v, String message) throws ConfigException {
    if (v == null || v.isBlank()) {
      throw new ConfigException(message);
    }
  }
}
