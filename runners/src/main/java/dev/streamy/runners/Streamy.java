package dev.streamy.runners;

import dev.streamy.templates.TemplateCommand;
import dev.streamy.transforms.ErrorBudgetExceededException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.annotation.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The streamy CLI, {@code ./streamy <command>}: one entry point for every command, each with its
 * {@code --help}. Exit code 0 on success, 2 on a user error (one line per problem naming the
 * option, before anything starts), 1 when something that started failed, {@value #BUDGET_EXCEEDED}
 * when an ingest run stopped because its error budget was blown.
 */
@Command(
    name = "streamy",
    description = "Kafka JSON events into a lakehouse (Parquet and Iceberg) with Apache Beam.",
    synopsisSubcommandLabel = "<command>",
    subcommands = {
      DemoCommand.class,
      IngestCommand.class,
      GenerateCommand.class,
      TopicsCommand.class,
      InspectCommand.class,
      ReplayCommand.class,
      ReportCommand.class,
      FlinkClusterCommand.class
    },
    footer = {
      "",
      "Every command prints its options with --help, e.g. streamy ingest --help.",
      "Environment: STREAMY_JAVA_OPTS adds JVM flags (e.g. -Xmx2g); JAVA_HOME picks the Java (17+);"
          + " STREAMY_SKIP_BUILD=1 runs what is built as it is."
    })
public final class Streamy implements Callable<Integer> {

  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  /**
   * An ingest run stopped on its error budget ({@code --maxDeadLetterRatio}); the one line before
   * it names the codes. The same as the Flink job jar's ({@code FlinkIngest.BUDGET_EXCEEDED}).
   */
  static final int BUDGET_EXCEEDED = 3;

  /** slf4j-simple's default level; the CLI's default is {@code warn}. */
  static final String LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

  /**
   * Warnings every run prints that tell a user nothing they can act on: Hadoop's native library
   * (the pure-Java code is used), and SerializableCoder's equals check on FileIO's own Shard.
   */
  private static final List<String> NOISE =
      List.of(
          "org.apache.hadoop.util.NativeCodeLoader",
          "org.apache.beam.sdk.coders.SerializableCoder");

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help.")
  boolean help;

  private Streamy() {}

  public static void main(String[] args) {
    // Before the first logger exists: a user sees what they need, not every client's INFO lines.
    if (System.getProperty(LOG_LEVEL_PROPERTY) == null) {
      System.setProperty(LOG_LEVEL_PROPERTY, "warn");
      for (String logger : NOISE) {
        System.setProperty("org.slf4j.simpleLogger.log." + logger, "error");
      }
    }
    System.exit(commandLine().execute(args));
  }

  /** {@code streamy} alone: the usage. */
  @Override
  public Integer call() {
    commandLine().usage(System.out);
    return OK;
  }

  /** The command tree, with streamy's error handling. */
  static CommandLine commandLine() {
    CommandLine line = new CommandLine(new Streamy());
    line.addSubcommand(
        "template",
        new TemplateCommand(System.out, System.err, home(), FlinkSubmit::submit).commandLine());
    line.addSubcommand("help", new CommandLine.HelpCommand());
    for (String name : List.of("demo", "ingest", "generate", "replay")) {
      CommandLine command = line.getSubcommands().get(name);
      PipelineCommand pipeline = command.getCommand();
      List<String> keys = new ArrayList<>(command.getHelpSectionKeys());
      keys.add(
          keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER),
          PipelineCommand.OPTIONS_SECTION);
      command.setHelpSectionKeys(keys);
      command
          .getHelpSectionMap()
          .put(
              PipelineCommand.OPTIONS_SECTION,
              help -> PipelineCommand.optionsSection(pipeline.optionsClass()));
    }
    line.setOut(new PrintWriter(System.out, true));
    line.setErr(new PrintWriter(System.err, true));
    line.setUnmatchedOptionsArePositionalParams(true);
    line.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine failed = e.getCommandLine();
          String command = failed.getCommandSpec().qualifiedName(" ");
          if (e instanceof CommandLine.UnmatchedArgumentException unmatched
              && !failed.getSubcommands().isEmpty()) {
            System.err.println(
                command + ": unknown command '" + unmatched.getUnmatched().get(0) + "'");
            failed.usage(System.err);
          } else {
            System.err.println(command + ": " + e.getMessage() + " (see: " + command + " --help)");
          }
          return USAGE;
        });
    line.setExecutionExceptionHandler(
        (e, failed, parsed) -> {
          if (e instanceof IllegalArgumentException) {
            System.err.println("streamy: " + e.getMessage());
            return USAGE;
          }
          Optional<String> budget = ErrorBudgetExceededException.messageIn(e);
          if (budget.isPresent()) {
            // Not a fault to debug: what the operator needs is the line that names the codes.
            System.err.println("streamy: " + budget.get());
            return BUDGET_EXCEEDED;
          }
          System.err.println("streamy: failed: " + oneLine(e));
          e.printStackTrace();
          return FAILED;
        });
    return line;
  }

  /** The checkout, when the CLI runs from one. */
  private static @Nullable Path home() {
    try {
      return Checkout.home();
    } catch (IllegalStateException e) {
      return null;
    }
  }

  /** {@code e}'s message followed by its causes' on one line. */
  static String oneLine(Throwable e) {
    StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      message.append(": ").append(cause.getMessage());
    }
    return message.toString().replace('\n', ' ');
  }
}
