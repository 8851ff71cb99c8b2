package dev.distro.registry.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4): HELP and TYPE lines,
 * samples {@code name{label="value",...} value [timestamp]} with escaped label values. Any line it
 * cannot read is an error, so a test using it fails on malformed output.
 */
final class PrometheusTextParser {

  record Sample(String name, Map<String, String> labels, double value) { }

  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");

  final List<Sample> samples = new ArrayList<>();
  final Map<String, String> types = new HashMap<>();

  static PrometheusTextParser parse(String text) {
    PrometheusTextParser p = new PrometheusTextParser();
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ");
        if (parts.length != 2 || !NAME.matcher(parts[0]).matches()
            || !List.of("counter", "gauge", "histogram", "summary", "untyped").contains(parts[1])) {
          throw new IllegalArgumentException("line " + n + ": bad TYPE: " + line);
        }
        p.types.put(parts[0], parts[1]);
        continue;
      }
      if (line.startsWith("#")) {
        continue;
      }
      p.samples.add(sample(line, n));
    }
    return p;
  }

  private static Sample sample(String line, int n) {
    Matcher name = NAME.matcher(line);
    if (!name.lookingAt()) {
      throw new IllegalArgumentException("line " + n + ": no metric name: " + line);
    }
    int i = name.end();
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      int close = line.indexOf("} ", i);
      if (close < 0) {
        throw new IllegalArgumentException("line " + n + ": unterminated labels: " + line);
      }
      String body = line.substring(i + 1, close);
      int pos = 0;
      while (pos < body.length()) {
        Matcher m = LABEL.matcher(body);
        if (!m.find(pos) || m.start() != pos) {
          throw new IllegalArgumentException("line " + n + ": bad label at " + pos + ": " + line);
        }
        labels.put(m.group(1), m.group(2));
        pos = m.end();
        if (pos < body.length()) {
          if (body.charAt(pos) != ',') {
            throw new IllegalArgumentException("line " + n + ": expected ',': " + line);
          }
          pos++;
        }
      }
      i = close + 1;
    }
    String[] rest = line.substring(i).trim().split(" ");
    if (rest.length < 1 || rest.length > 2) {
      throw new IllegalArgumentException("line " + n + ": bad value part: " + line);
    }
    double value = switch (rest[0]) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(rest[0]);
    };
    return new Sample(name.group(), labels, value);
  }

  double value(String name, Map<String, String> labels) {
    double sum = 0;
    boolean found = false;
    for (Sample s : samples) {
      if (s.name.equals(name) && s.labels.entrySet().containsAll(labels.entrySet())) {
        sum += s.value;
        found = true;
      }
    }
    if (!found) {
      throw new AssertionError("no series " + name + labels);
    }
    return sum;
  }
}
