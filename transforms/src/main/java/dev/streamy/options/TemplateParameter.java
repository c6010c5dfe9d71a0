package dev.streamy.options;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a template (templates module) says about an option getter beyond Beam's own annotations:
 * description, default and required-ness still come from {@code @Description}, {@code @Default.*}
 * and {@code @Validation.Required}; this adds what a plain Java type does not say.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface TemplateParameter {

  /**
   * A duration as streamy's duration parser reads it: 500ms, 30s, 5m, 2h, 7d, 0 or ISO-8601 (PT1M).
   */
  String DURATION =
      "^([0-9]+ ?(ms|s|m|h|d)|0|P([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+([.][0-9]+)?S)?)?)$";

  /** A Kafka topic name: 1 to 249 of letters, digits, '.', '_' and '-'. */
  String KAFKA_TOPIC = "^[a-zA-Z0-9._-]{1,249}$";

  /** Where the parameter sorts: by order, then by name. */
  int order() default 1000;

  /** Label shown for the parameter; by default derived from its name. */
  String label() default "";

  /** Group the parameter is shown under. */
  String group() default "";

  /** Regular expressions a value must match (all of them); by default derived from the type. */
  String[] regexes() default {};

  /**
   * The allowed values as users write them, when the option has a fixed set of values (an ENUM):
   * for a string option, or for an enum option whose constants are written in lower case.
   */
  String[] values() default {};

  /** Type shown to the user; by default derived from the Java type and {@link #values()}. */
  Type type() default Type.DERIVED;

  /** An example value, for documentation. */
  String example() default "";

  /** A parameter type of Dataflow Flex template metadata ({@code paramType}). */
  enum Type {
    DERIVED,
    TEXT,
    NUMBER,
    BOOLEAN,
    ENUM,
    KAFKA_READ_TOPIC,
    KAFKA_WRITE_TOPIC
  }
}
