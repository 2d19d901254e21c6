package dev.peapod.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Logging for {@link Main}, as the Quarkus configuration had it: warnings and errors only, one
 * line each on stderr, so stdout holds only a command's result. {@code PEAPOD_LOG_LEVEL=DEBUG}
 * (or {@code TRACE}, {@code INFO}) lets Peapod's own loggers say more, e.g. the provider's boot
 * timings.
 *
 * <p>The modules log through {@link System.Logger}. The jar carries the JBoss LogManager, whose
 * {@code System.LoggerFinder} the JDK finds and uses; it is made java.util.logging's manager too
 * (as Quarkus' main does), so there is one logging system, configured here through the
 * java.util.logging API: without this it complains on first use and keeps what it is given
 * in a handler that waits for Quarkus to start.
 */
final class CliLogging {
  /** Held: java.util.logging keeps loggers weakly, and a collected one forgets its level. */
  private static Logger peapod;

  private CliLogging() {}

  static void configure(Map<String, String> env) {
    System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
    Logger root = Logger.getLogger("");
    for (Handler handler : root.getHandlers()) {
      root.removeHandler(handler);
    }
    root.setLevel(Level.WARNING);
    root.addHandler(new StderrHandler());
    peapod = Logger.getLogger("dev.peapod");
    peapod.setLevel(peapodLevel(env.get("PEAPOD_LOG_LEVEL")));
  }

  /** The java.util.logging level for a System.Logger level name; WARNING when unset or unknown. */
  static Level peapodLevel(String name) {
    if (name == null) {
      return Level.WARNING;
    }
    return switch (name.toUpperCase(Locale.ROOT)) {
      case "TRACE", "ALL" -> Level.FINER;
      case "DEBUG" -> Level.FINE;
      case "INFO" -> Level.INFO;
      case "ERROR" -> Level.SEVERE;
      default -> Level.WARNING;
    };
  }

  /** {@code 2024-03-01 12:00:00,123 WARNING [dev.peapod.provider.qemu.PodVm] message}, flushed at once. */
  private static final class StderrHandler extends StreamHandler {
    StderrHandler() {
      super(System.err, new LineFormatter());
      setLevel(Level.ALL);
    }

    @Override
    public synchronized void publish(LogRecord record) {
      super.publish(record);
      flush();
    }
  }

  private static final class LineFormatter extends Formatter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");

    @Override
    public String format(LogRecord record) {
      StringBuilder line = new StringBuilder()
          .append(TIME.format(LocalDateTime.ofInstant(record.getInstant(), java.time.ZoneId.systemDefault())))
          .append(' ').append(record.getLevel().getName())
          .append(" [").append(record.getLoggerName()).append("] ")
          .append(formatMessage(record)).append(System.lineSeparator());
      if (record.getThrown() != null) {
        StringWriter trace = new StringWriter();
        record.getThrown().printStackTrace(new PrintWriter(trace));
        line.append(trace);
      }
      return line.toString();
    }
  }
}
