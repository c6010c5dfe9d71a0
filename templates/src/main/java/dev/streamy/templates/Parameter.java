package dev.streamy.templates;

import com.google.auto.value.AutoValue;
import java.util.List;
import javax.annotation.Nullable;

/** One template parameter, as the metadata, the README and the validation see it. */
@AutoValue
public abstract class Parameter {

  public abstract String name();

  public abstract String label();

  public abstract String helpText();

  public abstract boolean optional();

  public abstract List<String> regexes();

  /** A Flex {@code paramType}: TEXT, NUMBER, BOOLEAN, ENUM, KAFKA_READ_TOPIC, ... */
  public abstract String type();

  public abstract List<String> enumValues();

  public abstract @Nullable String group();

  public abstract @Nullable String defaultValue();

  public abstract @Nullable String example();

  /** The getter's return type, which decides how a NUMBER is read. */
  public abstract Class<?> javaType();

  public abstract int order();

  public abstract Builder toBuilder();

  public static Builder builder() {
    return new AutoValue_Parameter.Builder()
        .setRegexes(List.of())
        .setEnumValues(List.of())
        .setOptional(true)
        .setOrder(1000);
  }

  /** Builds a {@link Parameter}; name, label, help text, type and Java type are required. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setName(String name);

    public abstract Builder setLabel(String label);

    public abstract Builder setHelpText(String helpText);

    public abstract Builder setOptional(boolean optional);

    public abstract Builder setRegexes(List<String> regexes);

    public abstract Builder setType(String type);

    public abstract Builder setEnumValues(List<String> enumValues);

    public abstract Builder setGroup(@Nullable String group);

    public abstract Builder setDefaultValue(@Nullable String defaultValue);

    public abstract Builder setExample(@Nullable String example);

    public abstract Builder setJavaType(Class<?> javaType);

    public abstract Builder setOrder(int order);

    abstract List<String> regexes();

    abstract List<String> enumValues();

    abstract Parameter autoBuild();

    /** The parameter, with unmodifiable copies of its lists. */
    public Parameter build() {
      setRegexes(List.copyOf(regexes()));
      setEnumValues(List.copyOf(enumValues()));
      return autoBuild();
    }
  }

  /** Whether the value is a whole number (int or long), as opposed to a decimal. */
  public boolean isInteger() {
    return isInteger(javaType());
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
    if (!enumValues().isEmpty()) {
      return type() + " " + String.join("|", enumValues());
    }
    if (type().equals("BOOLEAN")) {
      return "BOOLEAN true|false";
    }
    if (regexes().isEmpty()) {
      return type();
    }
    return type() + " matching " + String.join(" and ", regexes());
  }
}
