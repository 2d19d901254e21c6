package dev.peapod.cli;

import dev.peapod.engine.EngineException;
import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.lock.PodLockedException;
import dev.peapod.engine.source.SourceUnavailableException;
import dev.peapod.images.ImageException;
import dev.peapod.images.ImageInUseException;
import dev.peapod.images.ImageNotFoundException;
import dev.peapod.images.InvalidReferenceException;
import dev.peapod.provider.PodNotFoundException;
import dev.peapod.provider.ProviderException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception from a command into one line on stderr and an exit code. People see
 * what went wrong and about which image; the stack trace only with {@code --debug}.
 */
public final class ErrorReporter implements IExecutionExceptionHandler {

  @Override
  public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
    return report(e, commandLine.getErr(),
        commandLine.getCommandSpec().root().userObject() instanceof PeapodCommand root && root.debug());
  }

  /** Writes what went wrong to {@code err} (with the stack trace when {@code debug}) and gives the exit code. */
  public static int report(Exception e, java.io.PrintWriter err, boolean debug) {
    if (e instanceof ManifestRejectedException rejected) {
      // Compiler-style lines, one per diagnostic, so editors and people jump straight to them.
      rejected.diagnostics().forEach(err::println);
    } else {
      err.println("peapod: " + message(e));
    }
    if (debug) {
      e.printStackTrace(err);
    }
    err.flush();
    return exitCode(e);
  }

  public static int exitCode(Throwable e) {
    if (e instanceof CliException cli) {
      return cli.exitCode();
    }
    if (e instanceof SourceUnavailableException unavailable && unavailable.missing()) {
      return ExitCodes.NOT_FOUND;
    }
    return exitCode(e.getClass());
  }

  /**
   * The exit code for an exception of this type, where the type alone decides: also for one
   * raised in a controller the command was handed to ({@link dev.peapod.cli.pod.ControllerBoot}).
   */
  public static int exitCode(Class<?> type) {
    if (ImageNotFoundException.class.isAssignableFrom(type) || PodNotFoundException.class.isAssignableFrom(type)) {
      return ExitCodes.NOT_FOUND;
    }
    if (ImageInUseException.class.isAssignableFrom(type) || PodLockedException.class.isAssignableFrom(type)) {
      return ExitCodes.IN_USE;
    }
    if (InvalidReferenceException.class.isAssignableFrom(type)) {
      return ExitCodes.USAGE;
    }
    return ExitCodes.ERROR;
  }

  /** {@code image "busybox:1": no such image in the store} — the image quoted, as the user wrote it. */
  public static String message(Throwable e) {
    String text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof ImageException image && image.image() != null && text.startsWith(image.image() + ": ")) {
      String name = image.image().startsWith("\"") ? image.image() : "\"" + image.image() + "\"";
      return "image " + name + ": " + text.substring(image.image().length() + 2);
    }
    if (e instanceof java.io.UncheckedIOException io) {
      return text + ": " + io.getCause().getMessage();
    }
    return message(e.getClass(), text);
  }

  /** A message as {@link #message(Throwable)} words it, from the exception's type and its own text. */
  public static String message(Class<?> type, String text) {
    if (!expected(type)) {
      // An unexpected exception: its type says more than a bare message such as "null".
      return type.getName() + ": " + text;
    }
    return text;
  }

  private static boolean expected(Class<?> type) {
    return CliException.class.isAssignableFrom(type) || ImageException.class.isAssignableFrom(type)
        || ProviderException.class.isAssignableFrom(type) || EngineException.class.isAssignableFrom(type);
  }
}
