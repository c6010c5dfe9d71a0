package dev.streamy.templates;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.annotation.Nullable;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code ./streamy template} command: list, describe, validate and run templates, and
 * regenerate their committed metadata. Exit code 0 on success, 2 on a usage or parameter problem
 * (nothing started), 1 when a started template fails.
 */
@Command(
    name = "template",
    description =
        "Dataflow-style templates: parameters validated against the template's metadata"
            + " before anything starts.",
    synopsisSubcommandLabel = "(list | describe | args | run | metadata | regenerate)",
    mixinStandardHelpOptions = false)
public final class TemplateCommand implements Callable<Integer> {

  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  /** Submits the ingest pipeline's arguments to Flink; the {@code streamy} CLI provides it. */
  @FunctionalInterface
  public interface FlinkLauncher {
    /**
     * Submits a job with {@code pipelineArgs} to {@code flinkMaster}, or to the local cluster when
     * null, and returns the exit code.
     */
    int submit(List<String> pipelineArgs, @Nullable String flinkMaster) throws Exception;
  }

  private final PrintStream out;
  private final PrintStream err;
  private final @Nullable Path defaultRoot;
  private final @Nullable FlinkLauncher flink;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  /**
   * A template command printing to {@code out} and {@code err}; {@code regenerate} without a root
   * writes below {@code defaultRoot}, and {@code run --runner=flink} submits through {@code flink}
   * (either may be null: then those forms are refused).
   */
  public TemplateCommand(
      PrintStream out, PrintStream err, @Nullable Path defaultRoot, @Nullable FlinkLauncher flink) {
    this.out = out;
    this.err = err;
    this.defaultRoot = defaultRoot;
    this.flink = flink;
  }

  TemplateCommand(PrintStream out, PrintStream err) {
    this(out, err, null, null);
  }

  /** The build's entry point ({@code regenerate <dir>}, in Maven's own JVM). */
  public static void main(String[] args) {
    int code = new TemplateCommand(System.out, System.err).execute(args);
    // Only a failure exits here: the build runs `regenerate` inside Maven's own JVM.
    if (code != OK) {
      System.exit(code);
    }
  }

  int execute(String... args) {
    return commandLine().execute(args);
  }

  /** This command as a picocli command line, to run or to add to another as a subcommand. */
  public CommandLine commandLine() {
    CommandLine line = new CommandLine(this);
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    line.setUnmatchedOptionsArePositionalParams(true);
    line.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine failed = e.getCommandLine();
          if (e instanceof CommandLine.UnmatchedArgumentException unmatched
              && failed.getSubcommands().size() > 0) {
            err.println("template: unknown command '" + unmatched.getUnmatched().get(0) + "'");
          } else {
            err.println(failed.getCommandName() + ": " + e.getMessage());
          }
          failed.usage(err);
          return USAGE;
        });
    line.setExecutionExceptionHandler(
        (e, failed, parsed) -> {
          err.println("template: failed: " + e);
          return FAILED;
        });
    return line;
  }

  /** {@code template} alone: the usage, as a mistake. */
  @Override
  public Integer call() {
    new CommandLine(this).usage(err);
    return USAGE;
  }

  @Command(name = "help", description = "Show this help.")
  int helpCommand() {
    new CommandLine(this).usage(out);
    return OK;
  }

  @Command(name = "list", description = "The templates: name, streaming or batch, description.")
  int list() {
    int width = Template.ALL.stream().mapToInt(t -> t.name().length()).max().orElse(0);
    for (Template template : Template.ALL) {
      out.printf(
          "%-" + width + "s  %-9s  %s%n",
          template.name(),
          template.streaming() ? "streaming" : "batch",
          template.description());
    }
    return OK;
  }

  @Command(
      name = "regenerate",
      description = "Rewrite templates/<name>/{metadata.json,README.md,spec.json} below the root.")
  int regenerate(
      @Parameters(
              index = "0",
              arity = "0..1",
              paramLabel = "<repo-root>",
              description = "Default: the checkout.")
          @Nullable
          Path root) {
    Path folder = root != null ? root : defaultRoot;
    if (folder == null) {
      err.println("template regenerate: give the repository root, e.g. regenerate .");
      return USAGE;
    }
    try {
      for (Map.Entry<Path, Boolean> file :
          TemplateFiles.write(folder.toAbsolutePath().normalize()).entrySet()) {
        out.println((file.getValue() ? "wrote     " : "unchanged ") + file.getKey());
      }
      return OK;
    } catch (IOException e) {
      err.println("template regenerate: " + e);
      return FAILED;
    }
  }

  @Command(name = "describe", description = "A template's parameters and its metadata file.")
  int describe(
      @Parameters(index = "0", arity = "0..1", paramLabel = "<name>") @Nullable String name,
      @Parameters(index = "1..*", hidden = true) @Nullable List<String> more) {
    Optional<Template> template = template("describe", name, more);
    template.ifPresent(t -> out.print(describe(t)));
    return template.isPresent() ? OK : USAGE;
  }

  @Command(name = "metadata", description = "A template's metadata.json.")
  int metadata(
      @Parameters(index = "0", arity = "0..1", paramLabel = "<name>") @Nullable String name,
      @Parameters(index = "1..*", hidden = true) @Nullable List<String> more) {
    Optional<Template> template = template("metadata", name, more);
    template.ifPresent(t -> out.print(TemplateMetadata.json(t)));
    return template.isPresent() ? OK : USAGE;
  }

  @Command(name = "args", description = "Validate the parameters; print the pipeline arguments.")
  int args(
      @Parameters(index = "0", arity = "0..1", paramLabel = "<name>") @Nullable String name,
      @Option(names = "--param", paramLabel = "name=value", description = "A parameter.") @Nullable
          List<String> params,
      @Parameters(index = "1..*", hidden = true) @Nullable List<String> more) {
    Optional<Template> template = template("args", name, List.of());
    if (template.isEmpty()) {
      return USAGE;
    }
    Checked checked = checked(template.get(), params, more);
    if (checked == null) {
      return USAGE;
    }
    checked.args().forEach(out::println);
    return OK;
  }

  @Command(
      name = "run",
      description =
          "Validate the parameters, then run the template on the DirectRunner, or submit it to"
              + " Flink with --runner=flink.")
  int run(
      @Parameters(index = "0", arity = "0..1", paramLabel = "<name>") @Nullable String name,
      @Option(names = "--param", paramLabel = "name=value", description = "A parameter.") @Nullable
          List<String> params,
      @Option(
              names = "--runner",
              paramLabel = "direct|flink",
              description = "Where it runs: here on the DirectRunner (default) or on Flink.")
          @Nullable
          String runner,
      @Option(
              names = "--flinkMaster",
              paramLabel = "host:port",
              description = "With --runner=flink: a cluster's REST address; default the local one.")
          @Nullable
          String flinkMaster,
      @Parameters(index = "1..*", hidden = true) @Nullable List<String> more) {
    Optional<Template> found = template("run", name, List.of());
    if (found.isEmpty()) {
      return USAGE;
    }
    Template template = found.get();
    String where =
        runner == null ? "direct" : runner.toLowerCase(Locale.ROOT).replace("runner", "");
    if (!where.equals("direct") && !where.equals("flink")) {
      err.println("template run: --runner=" + runner + ": use direct or flink");
      return USAGE;
    }
    boolean onFlink = where.equals("flink");
    if (onFlink && !template.runsOnFlink()) {
      err.println(
          "template: only kafka-to-lakehouse runs on Flink; '"
              + template.name()
              + "' runs here (no --runner)");
      return USAGE;
    }
    Checked checked = checked(template, params, more);
    if (checked == null) {
      return USAGE;
    }
    if (onFlink) {
      if (flink == null) {
        err.println(
            "template run --runner=flink: run it through ./streamy, which submits to Flink");
        return USAGE;
      }
      try {
        return flink.submit(checked.args(), flinkMaster);
      } catch (IllegalArgumentException e) {
        err.println("template " + template.name() + ": " + e.getMessage());
        return USAGE;
      } catch (Exception e) {
        err.println("template " + template.name() + ": failed: " + e);
        return FAILED;
      }
    }
    return run(template, checked.options());
  }

  /** The template named {@code name}; empty (and the problem reported) when there is none. */
  private Optional<Template> template(
      String command, @Nullable String name, @Nullable List<String> more) {
    if (name == null) {
      err.println("template " + command + ": which template? One of " + names());
      return Optional.empty();
    }
    Optional<Template> found = Template.named(name);
    if (found.isEmpty()) {
      err.println("template: unknown template '" + name + "': use one of " + names());
    } else if (more != null && !more.isEmpty()) {
      err.println("template " + command + ": unexpected " + String.join(" ", more));
      return Optional.empty();
    }
    return found;
  }

  /** Parameters that passed every check: the pipeline arguments and the options read from them. */
  @AutoValue
  abstract static class Checked {
    abstract List<String> args();

    abstract PipelineOptions options();
  }

  /** The checked parameters; null (every problem reported) when they cannot run. */
  private @Nullable Checked checked(
      Template template, @Nullable List<String> params, @Nullable List<String> more) {
    List<String> problems = new ArrayList<>();
    for (String arg : more == null ? List.<String>of() : more) {
      problems.add("unexpected argument '" + arg + "': give parameters as --param name=value");
    }
    ParameterValidator.Result result =
        ParameterValidator.validate(template, params == null ? List.of() : params);
    problems.addAll(result.problems());
    PipelineOptions options =
        problems.isEmpty() ? options(template, result.args(), problems) : null;
    if (!problems.isEmpty()) {
      problems.forEach(problem -> err.println("template " + template.name() + ": " + problem));
      return null;
    }
    return new AutoValue_TemplateCommand_Checked(result.args(), options);
  }

  /** The options Beam reads from {@code args}, checked as the pipeline would; null on problems. */
  private static @Nullable PipelineOptions options(
      Template template, List<String> args, List<String> problems) {
    try {
      PipelineOptions options = PipelineArgs.parse(template.optionsClass(), args);
      options.setRunner(DirectRunner.class);
      // A user's run, not a test: the DirectRunner's immutability and encodability checks cost
      // most of its CPU and log a warning per coder; the tests keep them on.
      options.as(DirectOptions.class).setEnforceImmutability(false);
      options.as(DirectOptions.class).setEnforceEncodability(false);
      template.check().check(options);
      return options;
    } catch (IllegalArgumentException e) {
      problems.add(PipelineArgs.oneLine(e));
      return null;
    }
  }

  private int run(Template template, PipelineOptions options) {
    try {
      String summary = template.launch().run(options);
      out.println("template " + template.name() + ": " + summary);
      return OK;
    } catch (IllegalArgumentException e) {
      err.println("template " + template.name() + ": " + e.getMessage());
      return USAGE;
    } catch (Exception e) {
      err.println("template " + template.name() + ": failed: " + e);
      e.printStackTrace(err);
      return FAILED;
    }
  }

  private static String describe(Template template) {
    StringBuilder text = new StringBuilder();
    text.append(template.name())
        .append(" (")
        .append(template.streaming() ? "streaming" : "batch")
        .append("): ")
        .append(template.description())
        .append("\n");
    text.append("metadata: ").append(TemplateFiles.metadataPath(template));
    URL built = TemplateCommand.class.getResource("/" + TemplateFiles.metadataPath(template));
    if (built != null) {
      text.append(" (built: ").append(built).append(")");
    }
    text.append("\n\n");
    text.append(parameterTable(template.parameters(), "PARAMETER", ""));
    return text.toString();
  }

  /**
   * The parameters as a table: name (after {@code prefix}), required, default and type, each
   * followed by its help text; also the pipeline-option section of the CLI's {@code --help}.
   */
  public static String parameterTable(List<Parameter> parameters, String header, String prefix) {
    StringBuilder text = new StringBuilder();
    int name = width(parameters.stream().map(p -> prefix + p.name()).toList(), header);
    int def =
        width(
            parameters.stream()
                .map(p -> p.defaultValue() == null ? "" : display(p.defaultValue()))
                .toList(),
            "DEFAULT");
    String row = "%-" + name + "s  %-8s  %-" + def + "s  %s%n";
    text.append(String.format(row, header, "REQUIRED", "DEFAULT", "TYPE"));
    for (Parameter parameter : parameters) {
      text.append(
          String.format(
              row,
              prefix + parameter.name(),
              parameter.optional() ? "no" : "yes",
              parameter.defaultValue() == null ? "" : display(parameter.defaultValue()),
              parameter.allowed()));
      text.append("    ").append(parameter.helpText());
      if (parameter.example() != null) {
        text.append(" Example: ").append(parameter.example());
      }
      text.append("\n");
    }
    return text.toString();
  }

  private static String display(String value) {
    return value.isEmpty() ? "\"\"" : value;
  }

  private static int width(List<String> values, String header) {
    return Math.max(header.length(), values.stream().mapToInt(String::length).max().orElse(0));
  }

  private static String names() {
    return String.join(", ", Template.ALL.stream().map(Template::name).toList());
  }
}
