package dev.streamy.templates;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The generated {@code README.md} of a template: what it does, how to run it, its parameters. */
public final class TemplateReadme {

  private TemplateReadme() {}

  /** The Markdown, with a trailing newline. */
  public static String markdown(Template template) {
    List<Parameter> parameters = template.parameters();
    String required =
        parameters.stream()
            .filter(parameter -> !parameter.optional())
            .map(parameter -> " \\\n    --param " + parameter.name() + "=" + exampleOf(parameter))
            .collect(Collectors.joining());
    StringBuilder md = new StringBuilder();
    md.append("# ").append(template.name()).append("\n\n");
    md.append("<!-- Generated from ")
        .append(template.optionsClass().getName())
        .append(" by dev.streamy.templates.TemplateCommand: do not edit. Regenerate with")
        .append(" `./streamy template regenerate`. -->\n\n");
    md.append(template.description()).append("\n\n");
    md.append("Mode: ")
        .append(template.streaming() ? "streaming" : "batch")
        .append(". Parameters: the options of `")
        .append(template.optionsClass().getSimpleName())
        .append("`. Metadata (Dataflow Flex template format): [metadata.json](metadata.json).\n\n");
    md.append("## Run\n\n```bash\n");
    md.append("./streamy template run ").append(template.name()).append(required).append("\n");
    md.append("./streamy template args ")
        .append(template.name())
        .append(required)
        .append("   # only validate, print the pipeline arguments\n");
    md.append("```\n\n");
    md.append(
        "Parameters are checked before anything starts: an unknown, missing, repeated or"
            + " malformed one stops the run with every problem listed (exit code 2).\n\n");
    md.append("## Parameters\n");
    Map<String, List<Parameter>> groups = new LinkedHashMap<>();
    for (Parameter parameter : parameters) {
      String group = parameter.group() == null ? "Other" : parameter.group();
      groups.computeIfAbsent(group, g -> new java.util.ArrayList<>()).add(parameter);
    }
    groups.forEach(
        (group, members) -> {
          md.append("\n### ").append(group).append("\n\n");
          md.append("| Parameter | Required | Default | Type and allowed values | Description |")
              .append(" Example |\n");
          md.append("|---|---|---|---|---|---|\n");
          for (Parameter parameter : members) {
            md.append("| `")
                .append(parameter.name())
                .append("` | ")
                .append(parameter.optional() ? "no" : "**yes**")
                .append(" | ")
                .append(code(parameter.defaultValue()))
                .append(" | ")
                .append(allowed(parameter))
                .append(" | ")
                .append(text(parameter.helpText()))
                .append(" | ")
                .append(code(parameter.example()))
                .append(" |\n");
          }
        });
    return md.toString();
  }

  private static String exampleOf(Parameter parameter) {
    if (parameter.example() != null) {
      return parameter.example();
    }
    return parameter.defaultValue() != null ? parameter.defaultValue() : "VALUE";
  }

  private static String allowed(Parameter parameter) {
    if (!parameter.enumValues().isEmpty()) {
      return parameter.type()
          + ": "
          + parameter.enumValues().stream()
              .map(TemplateReadme::code)
              .collect(Collectors.joining(", "));
    }
    if (parameter.regexes().isEmpty() || parameter.type().equals("BOOLEAN")) {
      return parameter.type();
    }
    return parameter.type()
        + ", "
        + parameter.regexes().stream().map(TemplateReadme::code).collect(Collectors.joining(", "));
  }

  /** A table cell in backticks; empty for null, a visible {@code ""} for the empty string. */
  private static String code(String value) {
    if (value == null) {
      return "";
    }
    return value.isEmpty() ? "`\"\"`" : "`" + value.replace("|", "\\|") + "`";
  }

  /** Plain text in a table cell: backslashes and pipes escaped, angle brackets not HTML. */
  private static String text(String value) {
    return value
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;");
  }
}
