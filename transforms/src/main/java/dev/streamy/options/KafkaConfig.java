package dev.streamy.options;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * Kafka client settings given as text, and which of them are secrets.
 *
 * <p>KafkaIO copies every entry of its consumer and producer config into the transform's display
 * data, which runners log and show in their UIs. So streamy splits a passthrough config in two: the
 * public entries go to KafkaIO as usual; the secret ones are handed to the Kafka client only when
 * it is created (see io's {@code SecretConfigConsumerFactory} and {@code
 * SecretConfigProducerFactory}).
 *
 * <p>Text form, as taken by {@link #parse}: {@code key=value} entries separated by commas. A value
 * runs from the first {@code =} to the next unescaped comma, so it may itself contain {@code =},
 * spaces, quotes and {@code ;} (as {@code sasl.jaas.config} values do). Two escapes exist: {@code
 * \,} stands for a comma inside a value and {@code \\} for one backslash (so a value can end with a
 * backslash); any other backslash is kept as it is. Keys and values are trimmed; empty entries
 * (e.g. a trailing comma) are ignored. A key cannot contain {@code =}.
 *
 * <p>File form, as taken by {@link #load}: a Java properties file, the format of Kafka's own {@code
 * --command-config client.properties}, so that passwords need not appear on a command line. A value
 * may be, or contain, {@code ${env:NAME}}: the environment variable's value.
 */
public final class KafkaConfig {

  /** What a secret value is replaced with wherever config is shown. */
  public static final String REDACTED = "<redacted>";

  /** Parts of a key that mark it as a secret, lower case. */
  private static final List<String> SECRET_KEY_PARTS =
      List.of(
          "password",
          "secret",
          "token",
          "credential",
          "jaas",
          "private",
          "apikey",
          "api.key",
          "user.info",
          "userinfo");

  private KafkaConfig() {}

  /**
   * Parses {@code k=v,k2=v2} into an ordered, unmodifiable map.
   *
   * @throws IllegalArgumentException for an entry with no {@code =}, an empty key or a repeated
   *     key. Messages name keys and entry numbers, never values.
   */
  public static Map<String, String> parse(@Nullable String text) {
    Map<String, String> config = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return Collections.unmodifiableMap(config);
    }
    StringBuilder entry = new StringBuilder();
    int entryNumber = 1;
    int separator = -1; // position of the entry's first '=' in the unescaped text
    for (int index = 0; index < text.length(); index++) {
      char c = text.charAt(index);
      char next = index + 1 < text.length() ? text.charAt(index + 1) : 0;
      if (c == '\\' && (next == ',' || next == '\\')) {
        entry.append(next);
        index++;
      } else if (c == ',') {
        add(config, entry, separator, entryNumber);
        entry.setLength(0);
        separator = -1;
        entryNumber++;
      } else {
        if (c == '=' && separator < 0) {
          separator = entry.length();
        }
        entry.append(c);
      }
    }
    add(config, entry, separator, entryNumber);
    return Collections.unmodifiableMap(config);
  }

  /**
   * The settings of a properties file ({@code client.properties}), with every {@code ${env:NAME}}
   * replaced by that environment variable; an empty map when {@code file} is null or blank.
   *
   * @throws IllegalArgumentException when the file cannot be read or a variable is not set;
   *     messages name the file, keys and variables, never values.
   */
  public static Map<String, String> load(@Nullable String file) {
    return load(file, System.getenv());
  }

  static Map<String, String> load(@Nullable String file, Map<String, String> environment) {
    Map<String, String> config = new java.util.TreeMap<>();
    if (file == null || file.isBlank()) {
      return Collections.unmodifiableMap(config);
    }
    java.util.Properties properties = new java.util.Properties();
    try (java.io.Reader reader =
        java.nio.file.Files.newBufferedReader(
            java.nio.file.Path.of(file), java.nio.charset.StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
      throw new IllegalArgumentException(
          "cannot read the Kafka client settings file "
              + file
              + " ("
              + e.getClass().getSimpleName()
              + ")");
    }
    for (String key : properties.stringPropertyNames()) {
      config.put(key.trim(), withEnvironment(key, properties.getProperty(key).trim(), environment));
    }
    return Collections.unmodifiableMap(config);
  }

  private static final java.util.regex.Pattern ENV_REFERENCE =
      java.util.regex.Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)\\}");

  private static String withEnvironment(String key, String value, Map<String, String> environment) {
    java.util.regex.Matcher reference = ENV_REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (reference.find()) {
      String variable = reference.group(1);
      String replacement = environment.get(variable);
      if (replacement == null) {
        throw new IllegalArgumentException(
            "Kafka client setting " + key + " refers to ${env:" + variable + "}, which is not set");
      }
      reference.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(replacement));
    }
    reference.appendTail(out);
    return out.toString();
  }

  /**
   * The settings of {@code file} (see {@link #load}) with the inline {@code k=v,...} settings of
   * {@code text} (see {@link #parse}) laid over them: what one client is given.
   */
  public static Map<String, String> fromFileAndText(@Nullable String file, @Nullable String text) {
    Map<String, String> merged = new LinkedHashMap<>(load(file));
    merged.putAll(parse(text));
    return Collections.unmodifiableMap(merged);
  }

  private static void add(
      Map<String, String> config, StringBuilder entry, int separator, int entryNumber) {
    if (entry.toString().isBlank()) {
      return;
    }
    if (separator < 0) {
      throw new IllegalArgumentException(
          "Kafka config entry #" + entryNumber + " is not of the form key=value");
    }
    String key = entry.substring(0, separator).trim();
    String value = entry.substring(separator + 1).trim();
    if (key.isEmpty()) {
      throw new IllegalArgumentException("Kafka config entry #" + entryNumber + " has no key");
    }
    if (config.containsKey(key)) {
      throw new IllegalArgumentException("Kafka config key given twice: " + key);
    }
    config.put(key, value);
  }

  /**
   * Whether a client config key holds a secret: SASL JAAS config, passwords, secrets, tokens,
   * credentials, private keys ({@code ssl.key*}, {@code ssl.keystore.key}), API keys and {@code
   * basic.auth.user.info}. Errs on the side of "secret": a false positive only moves a value from
   * display data into the client factory, where it works the same.
   */
  public static boolean isSecret(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    if (lower.startsWith("ssl.key")) {
      return true; // ssl.key.password, ssl.keystore.key, ssl.keystore.password, ...
    }
    for (String part : SECRET_KEY_PARTS) {
      if (lower.contains(part)) {
        return true;
      }
    }
    return false;
  }

  /** The entries of {@code config} that are not secrets, in order. */
  public static Map<String, String> publicPart(Map<String, String> config) {
    Map<String, String> out = new LinkedHashMap<>();
    config.forEach(
        (key, value) -> {
          if (!isSecret(key)) {
            out.put(key, value);
          }
        });
    return Collections.unmodifiableMap(out);
  }

  /** The entries of {@code config} that are secrets, in order. */
  public static Map<String, String> secretPart(Map<String, String> config) {
    Map<String, String> out = new LinkedHashMap<>();
    config.forEach(
        (key, value) -> {
          if (isSecret(key)) {
            out.put(key, value);
          }
        });
    return Collections.unmodifiableMap(out);
  }

  /** A copy of {@code config} safe to log or show: every secret value is {@link #REDACTED}. */
  public static Map<String, String> redacted(Map<String, ?> config) {
    Map<String, String> out = new LinkedHashMap<>();
    config.forEach((key, value) -> out.put(key, isSecret(key) ? REDACTED : String.valueOf(value)));
    return Collections.unmodifiableMap(out);
  }

  /** {@code config} with {@code secrets} laid over it: what a Kafka client is finally given. */
  public static Map<String, Object> withSecrets(
      Map<String, Object> config, Map<String, String> secrets) {
    Map<String, Object> merged = new LinkedHashMap<>(config);
    merged.putAll(secrets);
    return merged;
  }
}
