package dev.peapod.cli.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import java.io.PrintWriter;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Where every command prints: tables and messages for people, the same data as JSON or
 * YAML for programs when {@code -o} asks for it. Results go to stdout, progress and
 * warnings to stderr, so {@code peapod image ls -o json | jq} never sees a progress line.
 *
 * <p>Structured output is built from plain maps and lists by the commands themselves, so
 * its shape is written down next to the command that owns it and never leaks a Java type.
 */
public final class Output {
  /**
   * The mappers are made on first use, not when Output is loaded: every command makes an
   * Output, most print a table, and two ObjectMappers (one over a YAML factory) cost a
   * short-lived process measurable start time.
   */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  private static final class Yaml {
    static final ObjectMapper MAPPER = new ObjectMapper(YAMLFactory.builder()
        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
        .stringQuotingChecker(new QuoteWhatReadsAsNonString())
        .build());
  }

  /**
   * Quotes every string that a YAML 1.1 reader (SnakeYAML, which reads manifests) would take for
   * something else: {@code "0x1F"}, {@code "1e3"}, {@code ".inf"}, {@code "on"} stay strings when
   * {@code inspect -o yaml} is saved and applied. Jackson's own check misses some of these.
   */
  private static final class QuoteWhatReadsAsNonString extends StringQuotingChecker.Default {
    private static final long serialVersionUID = 1L;
    private static final Resolver RESOLVER = new Resolver();

    @Override
    public boolean needToQuoteValue(String value) {
      return super.needToQuoteValue(value) || !Tag.STR.equals(RESOLVER.resolve(NodeId.scalar, value, true));
    }
  }

  private final PrintWriter out;
  private final PrintWriter err;
  private final OutputFormat format;
  private final boolean color;
  private final boolean terminal;

  public Output(PrintWriter out, PrintWriter err, OutputFormat format, boolean color, boolean terminal) {
    this.out = out;
    this.err = err;
    this.format = format;
    this.color = color;
    this.terminal = terminal;
  }

  /** Whether the user asked for JSON or YAML instead of text. */
  public OutputFormat format() {
    return format;
  }

  public boolean structured() {
    return format != OutputFormat.table;
  }

  /** Whether output may carry ANSI colour. */
  public boolean color() {
    return color;
  }

  /** Whether stdout is an interactive terminal: progress lines are shown only then. */
  public boolean terminal() {
    return terminal;
  }

  public void table(Table table) {
    table.lines(color).forEach(out::println);
    out.flush();
  }

  /** A value made of maps, lists, strings and numbers, in the format asked for (JSON for table mode). */
  public void data(Object value) {
    try {
      String text = (format == OutputFormat.yaml ? Yaml.MAPPER : Json.MAPPER).writeValueAsString(value);
      out.print(text.endsWith("\n") ? text : text + "\n");
      out.flush();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render output: " + e.getMessage(), e);
    }
  }

  /** A line of text output for people (skipped by callers in structured mode). */
  public void line(String text) {
    out.println(text);
    out.flush();
  }

  /** A warning on stderr; never part of the result. */
  public void warning(String text) {
    err.println((color ? Ansi.red("warning:") : "warning:") + " " + text);
    err.flush();
  }

  /** Progress on stderr, rewriting the current line ({@code \r}); callers show it only on a terminal. */
  public void progress(String text) {
    err.print("\r\u001b[2K" + text);
    err.flush();
  }

  /** Ends a progress line so the next output starts on a clean line. */
  public void endProgress() {
    err.print("\r\u001b[2K");
    err.flush();
  }

  /** Standard output, for prompts that must not end the line. */
  public PrintWriter out() {
    return out;
  }

  /** For stack-trace-free error lines printed from commands that go on after a failure. */
  public PrintWriter err() {
    return err;
  }
}
