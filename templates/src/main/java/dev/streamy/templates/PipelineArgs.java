package dev.streamy.templates;

import dev.streamy.options.KafkaConfig;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Pipeline options read from {@code --name=value} arguments without a secret reaching a log.
 *
 * <p>Beam logs the arguments it parses (at DEBUG, "Provided Arguments"), so it is handed a copy in
 * which every secret is {@link KafkaConfig#REDACTED}: the secret entries of the client settings
 * given as text ({@code --kafkaConsumerConfig}, {@code --kafkaProducerConfig}, {@code
 * --icebergCatalogProperties}) and the whole value of any option whose name marks a secret. The
 * real values are set on the options afterwards; {@link #redact(PipelineOptions)} takes them off
 * again once they have been read into the pipeline's settings, before a runner sees the options.
 */
public final class PipelineArgs {

  /** Options whose value is client settings as {@code key=value,...} text. */
  static final Set<String> CONFIG_TEXT_OPTIONS =
      Set.of("kafkaConsumerConfig", "kafkaProducerConfig", "icebergCatalogProperties");

  private static final Pattern UNKNOWN =
      Pattern.compile("missing a property named '([^']+)'\\.(?: Did you mean '([^']+)'\\?)?");
  private static final Pattern MISSING =
      Pattern.compile("Missing required value for \\[--([^,\\]]+), \"(.*)\"\\]");

  private PipelineArgs() {}

  /**
   * Parses {@code args} into {@code optionsClass}, with Beam's validation of required options.
   *
   * @throws IllegalArgumentException on an option Beam cannot read; see {@link #oneLine}
   */
  public static <T extends PipelineOptions> T parse(Class<T> optionsClass, List<String> args) {
    return parse(optionsClass, args, true);
  }

  /**
   * As {@link #parse(Class, List)}; without {@code validateRequired}, required options may be
   * missing (a command that fills them in itself).
   */
  public static <T extends PipelineOptions> T parse(
      Class<T> optionsClass, List<String> args, boolean validateRequired) {
    PipelineOptionsFactory.register(optionsClass);
    Map<String, String> secrets = new LinkedHashMap<>();
    List<String> redacted = new ArrayList<>();
    for (String arg : args) {
      String name = name(arg);
      String value = value(arg);
      String safe = name == null || value == null ? null : redactedValue(name, value);
      if (safe != null && !safe.equals(value)) {
        secrets.put(name, value);
        redacted.add("--" + name + "=" + safe);
      } else {
        redacted.add(arg);
      }
    }
    PipelineOptionsFactory.Builder builder =
        PipelineOptionsFactory.fromArgs(redacted.toArray(new String[0]));
    T options = (validateRequired ? builder.withValidation() : builder).as(optionsClass);
    secrets.forEach((name, value) -> set(options, name, value));
    return options;
  }

  /**
   * Every option name Beam accepts next to {@code optionsClass}'s: the getters of every options
   * interface registered with Beam (runner, DirectRunner and IO options).
   */
  public static Set<String> knownOptionNames(Class<? extends PipelineOptions> optionsClass) {
    PipelineOptionsFactory.register(optionsClass);
    Set<String> names = new java.util.TreeSet<>();
    for (Class<?> options : registered()) {
      for (Method method : options.getMethods()) {
        String name = TemplateMetadata.optionName(method);
        if (name != null) {
          names.add(name);
        }
      }
    }
    return names;
  }

  /** {@code args} as they may be shown or logged: every secret value redacted. */
  public static List<String> redacted(List<String> args) {
    List<String> out = new ArrayList<>();
    for (String arg : args) {
      String name = name(arg);
      String value = value(arg);
      out.add(name == null || value == null ? arg : "--" + name + "=" + redactedValue(name, value));
    }
    return out;
  }

  /**
   * Replaces the value of every client-settings option of {@code options} by its redacted form:
   * call it once the settings have been read, so that the runner and everything it logs or shows
   * only ever see the redacted text.
   */
  public static void redact(PipelineOptions options) {
    for (String name : CONFIG_TEXT_OPTIONS) {
      for (Class<? extends PipelineOptions> declaring : registered()) {
        Method getter = method(declaring, "get" + capitalized(name));
        if (getter != null) {
          String value = (String) invoke(options, declaring, getter);
          if (value != null) {
            set(options, name, redactedValue(name, value));
          }
          break;
        }
      }
    }
  }

  /** The value of option {@code name} as it may be logged. */
  static String redactedValue(String name, String value) {
    if (KafkaConfig.isSecret(name)) {
      return KafkaConfig.REDACTED;
    }
    if (!CONFIG_TEXT_OPTIONS.contains(name)) {
      return value;
    }
    Map<String, String> config;
    try {
      config = KafkaConfig.parse(value);
    } catch (IllegalArgumentException malformed) {
      // Its problem is reported when the settings are read; a secret may hide in it meanwhile.
      return KafkaConfig.REDACTED;
    }
    if (KafkaConfig.secretPart(config).isEmpty()) {
      return value;
    }
    StringBuilder text = new StringBuilder();
    KafkaConfig.redacted(config)
        .forEach(
            (key, entry) ->
                text.append(text.length() == 0 ? "" : ",")
                    .append(key)
                    .append('=')
                    .append(entry.replace("\\", "\\\\").replace(",", "\\,")));
    return text.toString();
  }

  /**
   * Beam's message about an argument it cannot read, as one line naming the option: {@code unknown
   * option --windowSise: did you mean --windowSize?}, {@code missing required option --output:
   * ...}, else the message's first line.
   */
  public static String oneLine(IllegalArgumentException e) {
    String message = String.valueOf(e.getMessage());
    Matcher unknown = UNKNOWN.matcher(message);
    if (unknown.find()) {
      return "unknown option --"
          + unknown.group(1)
          + (unknown.group(2) == null ? "" : ": did you mean --" + unknown.group(2) + "?");
    }
    Matcher missing = MISSING.matcher(message);
    if (missing.find()) {
      return "missing required option --" + missing.group(1) + ": " + missing.group(2);
    }
    return message.strip().split("\n")[0];
  }

  private static @Nullable String name(String arg) {
    if (!arg.startsWith("--")) {
      return null;
    }
    int equals = arg.indexOf('=');
    return equals < 0 ? null : arg.substring(2, equals);
  }

  private static @Nullable String value(String arg) {
    int equals = arg.indexOf('=');
    return arg.startsWith("--") && equals >= 0 ? arg.substring(equals + 1) : null;
  }

  /** Sets string option {@code name} through the setter of whichever interface declares it. */
  private static void set(PipelineOptions options, String name, String value) {
    for (Class<? extends PipelineOptions> declaring : registered()) {
      Method setter = method(declaring, "set" + capitalized(name), String.class);
      if (setter != null) {
        invoke(options, declaring, setter, value);
        return;
      }
    }
    throw new IllegalStateException("no setter for --" + name + " on " + options.getClass());
  }

  private static @Nullable Method method(Class<?> type, String name, Class<?>... parameters) {
    try {
      return type.getMethod(name, parameters);
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private static Object invoke(
      PipelineOptions options,
      Class<? extends PipelineOptions> declaring,
      Method method,
      Object... args) {
    try {
      return method.invoke(options.as(declaring), args);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot call " + method, e);
    }
  }

  private static String capitalized(String name) {
    return name.substring(0, 1).toUpperCase(Locale.ROOT) + name.substring(1);
  }

  /** The options interfaces Beam knows, any of which an options object can be viewed as. */
  private static Set<Class<? extends PipelineOptions>> registered() {
    return PipelineOptionsFactory.getRegisteredOptions();
  }
}
