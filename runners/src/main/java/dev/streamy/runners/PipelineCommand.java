package dev.streamy.runners;

import dev.streamy.templates.ParameterValidator;
import dev.streamy.templates.TemplateCommand;
import dev.streamy.templates.TemplateMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import javax.annotation.Nullable;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * A command whose arguments are a pipeline's {@code --name=value} options (demo, ingest, generate):
 * they are checked against the options interface before anything starts, and its {@code --help}
 * lists them.
 */
abstract class PipelineCommand implements Callable<Integer> {

  /** The help section listing the pipeline options. */
  static final String OPTIONS_SECTION = "pipelineOptions";

  @Spec CommandSpec spec;

  @Option(
      names = {"-h", "--help"},
      arity = "0..1",
      fallbackValue = "",
      paramLabel = "<interface>",
      description =
          "Show this help. With an options interface (e.g."
              + " org.apache.beam.runners.direct.DirectOptions): Beam's help for its options.")
  @Nullable
  String help;

  @Parameters(
      paramLabel = "--option=value",
      description = "Pipeline options, listed below; Beam's own (e.g. --targetParallelism) too.")
  List<String> args = new ArrayList<>();

  /** The options interface the arguments are read into. */
  abstract Class<? extends PipelineOptions> optionsClass();

  /** Options the command sets itself, so the user need not give them. */
  Set<String> filledIn() {
    return Set.of();
  }

  /** Runs the command with arguments that passed {@link #check}. */
  abstract int run() throws Exception;

  @Override
  public Integer call() throws Exception {
    if (help != null) {
      return help();
    }
    return run();
  }

  /**
   * Prints each problem of {@code given} as its own line ({@code streamy: ...}).
   *
   * @return whether there was none
   */
  boolean check(List<String> given) {
    ParameterValidator.Result result =
        ParameterValidator.validateOptions(
            optionsClass(),
            spec.qualifiedName(" ").replaceFirst("^streamy ", ""),
            given,
            filledIn());
    result.problems().forEach(problem -> System.err.println("streamy: " + problem));
    return result.valid();
  }

  private int help() throws ClassNotFoundException {
    CommandLine line = spec.commandLine();
    line.usage(line.getOut());
    if (!help.isEmpty()) {
      Class<?> options = Class.forName(help);
      if (!PipelineOptions.class.isAssignableFrom(options)) {
        throw new IllegalArgumentException("--help=" + help + " is not an options interface");
      }
      line.getOut().flush();
      PipelineOptionsFactory.printHelp(System.out, options.asSubclass(PipelineOptions.class));
    }
    return Streamy.OK;
  }

  /** The usage section of {@code command}'s pipeline options: name, required, default, type. */
  static String optionsSection(Class<? extends PipelineOptions> options) {
    return "\nPipeline options (--name=value), each with what it means on the line below:\n"
        + TemplateCommand.parameterTable(TemplateMetadata.parameters(options), "OPTION", "--");
  }
}
