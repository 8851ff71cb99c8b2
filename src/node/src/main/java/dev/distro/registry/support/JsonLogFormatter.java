package dev.distro.registry.support;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/** One JSON object per log line: {@code {"ts","level","logger","message"[,"error"]}}. */
public final class JsonLogFormatter extends Formatter {

  @Override
  public String format(LogRecord r) {
    return line(Instant.ofEpochMilli(r.getMillis()), r.getLevel().getName(), r.getLoggerName(), formatMessage(r),
        r.getThrown());
  }

  public static String line(Instant ts, String level, String logger, String message, Throwable error) {
    JsonWriter w = new JsonWriter().beginObject().field("ts", ts.toString()).field("level", level)
        .field("logger", logger == null ? "" : logger).field("message", message == null ? "" : message);
    if (error != null) {
      StringWriter sw = new StringWriter();
      error.printStackTrace(new PrintWriter(sw));
      w.field("error", sw.toString());
    }
    return w.endObject().toString() + System.lineSeparator();
  }
}
