package dev.streamy.templates;

import java.io.PrintStream;
import java.net.URL;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The {@code ./streamy template} command: list, describe, validate and run templates, and
 * regenerate their committed metadata. Exit code 0 on success, 2 on a usage or parameter problem
 * (nothing started), 1 when a started template fails.
 */
public final class TemplateCommand {

  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  private static final String USAGE_TEXT =
      String.join(
          "\n",
          "usage: streamy template <command>",
          "  list                                  the templates",
          "  describe <name>                       its parameters and metadata file",
          "  args <name> [--param k=v]...          validate; print the pipeline arguments",
          "  run <name> [--param k=v]...           validate, then run it on the DirectRunner",
          "  metadata <name>                       its metadata.json",
          "  regenerate <repo-root>                rewrite templates/<name>/{metadata.json,README.md}");

  private final PrintStream out;
  private final PrintStream err;

  TemplateCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    int code = new TemplateCommand(System.out, System.err).execute(args);
    // Only a failure exits here: the build runs `regenerate` inside Maven's own JVM.
    if (code != OK) {
      System.exit(code);
    }
  }

  int execute(String... args) {
    if (args.length == 0) {
      err.println(USAGE_TEXT);
      return USAGE;
    }
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    switch (args[0]) {
      case "list":
        return list();
      case "regenerate":
        return regenerate(rest);
      case "describe":
      case "metadata":
      case "args":
      case "run":
        return withTemplate(args[0], rest);
      case "help":
      case "--help":
        out.println(USAGE_TEXT);
        return OK;
      default:
        err.println("template: unknown command '" + args[0] + "'");
        err.println(USAGE_TEXT);
        return USAGE;
    }
  }

  private int list() {
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

  private int regenerate(List<String> rest) {
    if (rest.size() != 1) {
      err.println("template regenerate: give the repository root, e.g. regenerate .");
      return USAGE;
    }
    try {
      for (Map.Entry<Path, Boolean> file :
          TemplateFiles.write(Paths.get(rest.get(0)).toAbsolutePath().normalize()).entrySet()) {
        out.println((file.getValue() ? "wrote     " : "unchanged ") + file.getKey());
      }
      return OK;
    } catch (java.io.IOException e) {
      err.println("template regenerate: " + e);
      return FAILED;
    }
  }

  private int withTemplate(String command, List<String> rest) {
    if (rest.isEmpty()) {
      err.println("template " + command + ": which template? One of " + names());
      return USAGE;
    }
    Optional<Template> found = Template.named(rest.get(0));
    if (found.isEmpty()) {
      err.println("template: unknown template '" + rest.get(0) + "': use one of " + names());
      return USAGE;
    }
    Template template = found.get();
    List<String> more = rest.subList(1, rest.size());
    if (command.equals("describe") || command.equals("metadata")) {
      if (!more.isEmpty()) {
        err.println("template " + command + ": unexpected " + String.join(" ", more));
        return USAGE;
      }
      out.print(command.equals("describe") ? describe(template) : TemplateMetadata.json(template));
      return OK;
    }
    List<String> problems = new ArrayList<>();
    List<String> params = params(more, problems);
    ParameterValidator.Result result = ParameterValidator.validate(template, params);
    problems.addAll(result.problems());
    PipelineOptions options =
        problems.isEmpty() ? options(template, result.args(), problems) : null;
    if (!problems.isEmpty()) {
      problems.forEach(problem -> err.println("template " + template.name() + ": " + problem));
      return USAGE;
    }
    if (command.equals("args")) {
      result.args().forEach(out::println);
      return OK;
    }
    return run(template, options);
  }

  /** The {@code k=v} of each {@code --param k=v} or {@code --param=k=v}. */
  private static List<String> params(List<String> args, List<String> problems) {
    List<String> params = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.startsWith("--param=")) {
        params.add(arg.substring("--param=".length()));
      } else if (arg.equals("--param") && i + 1 < args.size()) {
        params.add(args.get(++i));
      } else {
        problems.add("unexpected argument '" + arg + "': give parameters as --param name=value");
      }
    }
    return params;
  }

  /** The options Beam reads from {@code args}, checked as the pipeline would; null on problems. */
  private static PipelineOptions options(
      Template template, List<String> args, List<String> problems) {
    try {
      PipelineOptionsFactory.register(template.optionsClass());
      PipelineOptions options =
          PipelineOptionsFactory.fromArgs(args.toArray(new String[0]))
              .withValidation()
              .as(template.optionsClass());
      options.setRunner(DirectRunner.class);
      template.check().check(options);
      return options;
    } catch (IllegalArgumentException e) {
      problems.add(String.valueOf(e.getMessage()));
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
    List<Parameter> parameters = template.parameters();
    int name = width(parameters.stream().map(Parameter::name).toList(), "PARAMETER");
    int def =
        width(
            parameters.stream()
                .map(p -> p.defaultValue() == null ? "" : display(p.defaultValue()))
                .toList(),
            "DEFAULT");
    String row = "%-" + name + "s  %-8s  %-" + def + "s  %s%n";
    text.append(String.format(row, "PARAMETER", "REQUIRED", "DEFAULT", "TYPE"));
    for (Parameter parameter : parameters) {
      text.append(
          String.format(
              row,
              parameter.name(),
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
