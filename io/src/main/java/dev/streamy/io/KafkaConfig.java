package dev.streamy.io;

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
 * it is created (see {@link SecretConfigConsumerFactory} and {@link SecretConfigProducerFactory}).
 *
 * <p>Text form, as taken by {@link #parse}: {@code key=value} entries separated by commas. A value
 * runs from the first {@code =} to the next unescaped comma, so it may itself contain {@code =},
 * spaces, quotes and {@code ;} (as {@code sasl.jaas.config} values do). Two escapes exist: {@code
 * \,} stands for a comma inside a value and {@code \\} for one backslash (so a value can end with a
 * backslash); any other backslash is kept as it is. Keys and values are trimmed; empty entries
 * (e.g. a trailing comma) are ignored. A key cannot contain {@code =}.
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
  static Map<String, Object> withSecrets(Map<String, Object> config, Map<String, String> secrets) {
    Map<String, Object> merged = new LinkedHashMap<>(config);
    merged.putAll(secrets);
    return merged;
  }
}
