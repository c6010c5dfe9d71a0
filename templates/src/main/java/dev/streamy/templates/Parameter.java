package dev.streamy.templates;

import java.util.List;
import javax.annotation.Nullable;

/**
 * One template parameter, as the metadata, the README and the validation see it.
 *
 * @param type a Flex {@code paramType}: TEXT, NUMBER, BOOLEAN, ENUM, KAFKA_READ_TOPIC, ...
 * @param javaType the getter's return type, which decides how a NUMBER is read
 */
public record Parameter(
    String name,
    String label,
    String helpText,
    boolean optional,
    List<String> regexes,
    String type,
    List<String> enumValues,
    @Nullable String group,
    @Nullable String defaultValue,
    @Nullable String example,
    Class<?> javaType,
    int order) {

  public Parameter {
    regexes = List.copyOf(regexes);
    enumValues = List.copyOf(enumValues);
  }

  /** Whether the value is a whole number (int or long), as opposed to a decimal. */
  public boolean isInteger() {
    return isInteger(javaType);
  }

  static boolean isInteger(Class<?> type) {
    return type == int.class
        || type == Integer.class
        || type == long.class
        || type == Long.class
        || type == short.class
        || type == Short.class;
  }

  /** The type with what it allows, in a few words: {@code ENUM parquet|iceberg|both}. */
  public String allowed() {
    if (!enumValues.isEmpty()) {
      return type + " " + String.join("|", enumValues);
    }
    if (type.equals("BOOLEAN")) {
      return "BOOLEAN true|false";
    }
    if (regexes.isEmpty()) {
      return type;
    }
    return type + " matching " + String.join(" and ", regexes);
  }
}
