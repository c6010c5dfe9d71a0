package dev.streamy.templates;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * Checks a template's parameters before anything starts, and turns valid ones into pipeline
 * arguments. Every problem is reported, each naming the parameter and what it allows.
 */
public final class ParameterValidator {

  private ParameterValidator() {}

  /** Problems (empty when valid) and, when valid, the pipeline arguments. */
  public record Result(List<String> problems, List<String> args) {
    public boolean valid() {
      return problems.isEmpty();
    }
  }

  /**
   * Validates {@code given}, each {@code name=value} as passed to {@code --param}.
   *
   * @return the problems, or the arguments {@code --name=value} in the parameters' order
   */
  public static Result validate(Template template, List<String> given) {
    List<Parameter> parameters = template.parameters();
    Map<String, Parameter> byName = new LinkedHashMap<>();
    parameters.forEach(parameter -> byName.put(parameter.name(), parameter));

    List<String> problems = new ArrayList<>();
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (String entry : given) {
      int equals = entry.indexOf('=');
      if (equals <= 0) {
        problems.add("malformed parameter '" + entry + "': use --param name=value");
        continue;
      }
      String name = entry.substring(0, equals);
      if (!byName.containsKey(name)) {
        problems.add(unknown(template, name, byName.keySet()));
        continue;
      }
      values.computeIfAbsent(name, n -> new ArrayList<>()).add(entry.substring(equals + 1));
    }

    List<String> args = new ArrayList<>();
    for (Parameter parameter : parameters) {
      List<String> value = values.get(parameter.name());
      if (value == null || (!parameter.optional() && value.size() == 1 && value.get(0).isBlank())) {
        if (!parameter.optional()) {
          problems.add(
              "missing required parameter '"
                  + parameter.name()
                  + "' ("
                  + parameter.allowed()
                  + "): "
                  + parameter.helpText()
                  + example(parameter));
        }
      } else if (value.size() > 1) {
        problems.add(
            "parameter '"
                + parameter.name()
                + "' given "
                + value.size()
                + " times ("
                + String.join(", ", value)
                + "): give it once");
      } else {
        String problem = check(parameter, value.get(0));
        if (problem != null) {
          problems.add(problem);
        } else {
          args.add("--" + parameter.name() + "=" + value.get(0));
        }
      }
    }
    return problems.isEmpty()
        ? new Result(List.of(), List.copyOf(args))
        : new Result(List.copyOf(problems), List.of());
  }

  /** What is wrong with {@code value} for {@code parameter}; null when nothing is. */
  static @Nullable String check(Parameter parameter, String value) {
    String prefix = "parameter '" + parameter.name() + "' = '" + value + "' ";
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

  private static String unknown(Template template, String name, Iterable<String> known) {
    String closest = null;
    int best = Integer.MAX_VALUE;
    for (String candidate : known) {
      int distance = distance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (distance < best) {
        best = distance;
        closest = candidate;
      }
    }
    String hint =
        closest != null && best <= Math.max(2, name.length() / 3)
            ? ": did you mean '" + closest + "'?"
            : "";
    return "unknown parameter '"
        + name
        + "'"
        + hint
        + " (all parameters: ./streamy template describe "
        + template.name()
        + ")";
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
}
