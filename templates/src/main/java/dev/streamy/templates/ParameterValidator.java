package dev.streamy.templates;

import com.google.auto.value.AutoValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import javax.annotation.Nullable;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Checks parameters before anything starts: a template's {@code --param name=value} list, or a
 * command's {@code --name=value} pipeline options. Every problem is reported, each on one line
 * naming the parameter and what it allows; valid ones become pipeline arguments.
 */
public final class ParameterValidator {

  private ParameterValidator() {}

  /** Problems (empty when valid) and, when valid, the pipeline arguments. */
  @AutoValue
  public abstract static class Result {
    public abstract List<String> problems();

    public abstract List<String> args();

    static Result of(List<String> problems, List<String> args) {
      return problems.isEmpty()
          ? new AutoValue_ParameterValidator_Result(List.of(), List.copyOf(args))
          : new AutoValue_ParameterValidator_Result(List.copyOf(problems), List.of());
    }

    public boolean valid() {
      return problems().isEmpty();
    }
  }

  /**
   * Validates {@code given}, each {@code name=value} as passed to {@code --param}.
   *
   * @return the problems, or the arguments {@code --name=value} in the parameters' order
   */
  public static Result validate(Template template, List<String> given) {
    Naming naming = Naming.template(template.name());
    List<String> problems = new ArrayList<>();
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (String entry : given) {
      int equals = entry.indexOf('=');
      if (equals <= 0) {
        problems.add("malformed parameter '" + entry + "': use --param name=value");
        continue;
      }
      values
          .computeIfAbsent(entry.substring(0, equals), n -> new ArrayList<>())
          .add(entry.substring(equals + 1));
    }
    List<String> args = new ArrayList<>();
    check(template.parameters(), values, Set.of(), naming, problems, args);
    return Result.of(problems, args);
  }

  /**
   * Validates the {@code --name=value} pipeline options given to {@code ./streamy <command>}:
   * streamy's own options of {@code optionsClass} are checked as template parameters are (missing,
   * repeated, not a number, not one of the allowed values...); Beam's options pass as they are and
   * a name neither knows is refused with the closest known name. The options in {@code filledIn}
   * are the command's to set, so they are not required of the user.
   *
   * @return the problems, or {@code args} unchanged
   */
  public static Result validateOptions(
      Class<? extends PipelineOptions> optionsClass,
      String command,
      List<String> args,
      Set<String> filledIn) {
    Naming naming = Naming.commandLine(command);
    List<String> problems = new ArrayList<>();
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || arg.length() == 2 || arg.charAt(2) == '=') {
        problems.add("unexpected argument '" + arg + "': give options as --name=value");
        continue;
      }
      int equals = arg.indexOf('=');
      String name = equals < 0 ? arg.substring(2) : arg.substring(2, equals);
      // A bare --flag is Beam's way of saying --flag=true.
      String value = equals < 0 ? "true" : arg.substring(equals + 1);
      values.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    List<Parameter> parameters = new ArrayList<>();
    for (Parameter parameter : TemplateMetadata.parameters(optionsClass)) {
      parameters.add(
          filledIn.contains(parameter.name())
              ? parameter.toBuilder().setOptional(true).build()
              : parameter);
    }
    check(
        parameters,
        values,
        PipelineArgs.knownOptionNames(optionsClass),
        naming,
        problems,
        new ArrayList<>());
    return Result.of(problems, args);
  }

  /**
   * Checks {@code values} (by name, each as often as given) against {@code parameters}: names in
   * {@code passThrough} are accepted unchecked, other unknown names are problems. Valid parameters
   * are added to {@code args} as {@code --name=value}, in the parameters' order.
   */
  private static void check(
      List<Parameter> parameters,
      Map<String, List<String>> values,
      Set<String> passThrough,
      Naming naming,
      List<String> problems,
      List<String> args) {
    Map<String, Parameter> byName = new LinkedHashMap<>();
    parameters.forEach(parameter -> byName.put(parameter.name(), parameter));
    Set<String> known = new TreeSet<>(byName.keySet());
    known.addAll(passThrough);
    for (String name : values.keySet()) {
      if (!known.contains(name)) {
        problems.add(unknown(naming, name, byName.keySet(), known));
      }
    }
    for (Parameter parameter : parameters) {
      List<String> value = values.get(parameter.name());
      if (value == null || (!parameter.optional() && value.size() == 1 && value.get(0).isBlank())) {
        if (!parameter.optional()) {
          problems.add(
              "missing required "
                  + naming.kind()
                  + " "
                  + naming.name(parameter.name())
                  + " ("
                  + parameter.allowed()
                  + "): "
                  + parameter.helpText()
                  + example(parameter));
        }
      } else if (value.size() > 1) {
        problems.add(
            naming.kind()
                + " "
                + naming.name(parameter.name())
                + " given "
                + value.size()
                + " times ("
                + String.join(", ", parameter.type().equals("TEXT") ? List.of("...") : value)
                + "): give it once");
      } else {
        String problem =
            check(parameter, value.get(0), naming.given(parameter.name(), value.get(0)));
        if (problem != null) {
          problems.add(problem);
        } else {
          args.add("--" + parameter.name() + "=" + value.get(0));
        }
      }
    }
  }

  /** What is wrong with {@code value} for {@code parameter}; null when nothing is. */
  static @Nullable String check(Parameter parameter, String value) {
    return check(parameter, value, "parameter '" + parameter.name() + "' = '" + value + "' ");
  }

  private static @Nullable String check(Parameter parameter, String value, String prefix) {
    if (!parameter.enumValues().isEmpty() && !parameter.enumValues().contains(value)) {
      return prefix + "is not allowed: use one of " + String.join(", ", parameter.enumValues());
    }
    if (parameter.type().equals("BOOLEAN") && !value.equals("true") && !value.equals("false")) {
      return prefix + "is not a BOOLEAN: use true or false";
    }
    if (parameter.type().equals("NUMBER") && !isNumber(parameter, value)) {
      return prefix
          + "is not a NUMBER: use "
          + (parameter.isInteger()
              ? "a whole number that fits a Java " + parameter.javaType().getSimpleName()
              : "a decimal number")
          + example(parameter);
    }
    for (String regex : parameter.regexes()) {
      if (!Pattern.compile(regex).matcher(value).matches()) {
        return prefix + "does not match " + regex + example(parameter);
      }
    }
    return null;
  }

  private static boolean isNumber(Parameter parameter, String value) {
    try {
      Class<?> type = parameter.javaType();
      if (type == int.class || type == Integer.class) {
        Integer.parseInt(value);
      } else if (parameter.isInteger()) {
        Long.parseLong(value);
      } else {
        double number = Double.parseDouble(value);
        return Double.isFinite(number);
      }
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String example(Parameter parameter) {
    String example = parameter.example() != null ? parameter.example() : parameter.defaultValue();
    return example == null ? "" : " (e.g. " + example + ")";
  }

  /**
   * The unknown-name message, suggesting the closest of {@code candidates}: streamy's own names win
   * over Beam's at the same distance.
   */
  private static String unknown(
      Naming naming, String name, Set<String> preferred, Set<String> candidates) {
    String closest = null;
    int best = Integer.MAX_VALUE;
    for (Set<String> names : List.of(preferred, candidates)) {
      for (String candidate : names) {
        int distance = distance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
        if (distance < best) {
          best = distance;
          closest = candidate;
        }
      }
    }
    String hint =
        closest != null && best <= Math.max(2, name.length() / 3)
            ? ": did you mean " + naming.name(closest) + "?"
            : "";
    return "unknown " + naming.kind() + " " + naming.name(name) + hint + " (" + naming.all() + ")";
  }

  /** Levenshtein distance: the fewest one-character edits from {@code a} to {@code b}. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /** How messages name a parameter: {@code parameter 'x'} (templates) or {@code --x} (commands). */
  @AutoValue
  abstract static class Naming {
    abstract String kind();

    abstract boolean dashes();

    /** Where every name is listed. */
    abstract String all();

    static Naming template(String template) {
      return new AutoValue_ParameterValidator_Naming(
          "parameter", false, "all parameters: ./streamy template describe " + template);
    }

    static Naming commandLine(String command) {
      return new AutoValue_ParameterValidator_Naming(
          "option", true, "all options: ./streamy " + command + " --help");
    }

    String name(String name) {
      return dashes() ? "--" + name : "'" + name + "'";
    }

    /** The start of a message about a given value. */
    String given(String name, String value) {
      return dashes()
          ? "--" + name + "=" + value + " "
          : "parameter '" + name + "' = '" + value + "' ";
    }
  }
}
