package dev.peapod.cli.pod;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.provider.LogQuery;
import dev.peapod.provider.LogRecord;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import java.io.PrintWriter;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod logs NAME}: container output, oldest first, stdout and stderr to peapod's own.
 * Without {@code -c} every container's output, each line prefixed with its container when the pod
 * has more than one.
 */
@Command(name = "logs", description = "Print a pod's container output.")
public final class PodLogsCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "NAME", description = "The pod.")
  String name;

  @Option(names = {"-c", "--container"}, paramLabel = "CONTAINER", description = "Only this container.")
  String container;

  @Option(names = {"-f", "--follow"}, description = "Keep printing new output until interrupted or the pod is removed.")
  boolean follow;

  @Option(names = "--tail", paramLabel = "N", description = "Only the last N records of each container.")
  Integer tail;

  @Option(names = {"-t", "--timestamps"}, description = "Start every line with the time it was read (RFC 3339).")
  boolean timestamps;

  @Override
  public void run() {
    if (tail != null && tail < 0) {
      throw new CliException(ExitCodes.USAGE, "--tail must not be negative: " + tail);
    }
    PeapodCommand root = PeapodCommand.of(spec);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (QemuProvider provider = PodCommands.provider(root)) {
      PodStatus pod = PodCommands.require(provider, name);
      if (container != null && !pod.spec().hasContainer(container)) {
        throw new CliException(ExitCodes.NOT_FOUND, "pod \"" + name + "\" has no container \"" + container + "\"");
      }
      boolean prefix = container == null && pod.spec().allContainers().size() > 1;
      LogQuery query = new LogQuery(Optional.ofNullable(container), follow,
          tail == null ? OptionalInt.empty() : OptionalInt.of(tail));
      LineFormatter formatter = new LineFormatter(prefix, timestamps);
      try (Stream<LogRecord> records = provider.logs(name, query)) {
        Iterator<LogRecord> it = records.iterator();
        while (it.hasNext()) {
          LogRecord record = it.next();
          PrintWriter target = record.stream() == LogRecord.Stream.STDERR ? err : out;
          target.print(formatter.format(record));
          target.flush();
        }
      }
    }
  }

  /**
   * Adds the container name and the time at the start of every line. Records are chunks as the
   * guest read them, not lines, so whether a record starts a line is remembered per container
   * and stream.
   */
  static final class LineFormatter {
    private final boolean prefix;
    private final boolean timestamps;
    private final Map<String, Boolean> atLineStart = new HashMap<>();

    LineFormatter(boolean prefix, boolean timestamps) {
      this.prefix = prefix;
      this.timestamps = timestamps;
    }

    String format(LogRecord record) {
      String text = record.text();
      if (!prefix && !timestamps) {
        return text;
      }
      String head = (timestamps ? DateTimeFormatter.ISO_INSTANT.format(record.time()) + " " : "")
          + (prefix ? record.container() + "| " : "");
      String key = record.container() + "/" + record.stream();
      boolean start = atLineStart.getOrDefault(key, true);
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < text.length(); i++) {
        if (start) {
          sb.append(head);
          start = false;
        }
        char c = text.charAt(i);
        sb.append(c);
        if (c == '\n') {
          start = true;
        }
      }
      atLineStart.put(key, start);
      return sb.toString();
    }
  }
}
