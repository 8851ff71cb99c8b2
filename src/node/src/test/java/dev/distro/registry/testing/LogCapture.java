package dev.distro.registry.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The records one logger publishes, from {@link #start()} until {@link #close()}. Holds the logger:
 * the log manager keeps loggers only weakly, and a collected one loses its handlers.
 */
public final class LogCapture extends Handler implements AutoCloseable {

  private final Logger logger;
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();

  public LogCapture(Logger logger) {
    this.logger = logger;
  }

  /** Captures the logger named after {@code type}, as the project's classes name theirs. */
  public static LogCapture of(Class<?> type) {
    return new LogCapture(Logger.getLogger(type.getName()));
  }

  public LogCapture start() {
    logger.addHandler(this);
    return this;
  }

  /** Every record so far, in order (safe to read while more are published). */
  public List<LogRecord> records() {
    return records;
  }

  @Override
  public void publish(LogRecord r) {
    records.add(r);
  }

  @Override
  public void flush() { }

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
