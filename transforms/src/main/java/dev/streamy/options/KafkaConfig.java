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
 * it is created (see io's {@code SecretConfigFactory}).
 *
 * <p>Text and file forms are read by {@link KeyValueConfig}: {@code k=v,...} on the command line,
 * or a Java properties file (Kafka's own {@code client.properties}) whose values may contain {@code
 * ${env:NAME}}, so that passwords need not appear on a command line.
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

  /** How messages name these settings. */
  private static final String LABEL = "Kafka client";

  private KafkaConfig() {}

  /** Parses {@code k=v,k2=v2} into an ordered, unmodifiable map (see {@link KeyValueConfig}). */
  public static Map<String, String> parse(@Nullable String text) {
    return KeyValueConfig.parse(LABEL, text);
  }

  /**
   * The settings of a properties file ({@code client.properties}), with every {@code ${env:NAME}}
   * replaced by that environment variable; an empty map when {@code file} is null or blank.
   */
  public static Map<String, String> load(@Nullable String file) {
    return KeyValueConfig.load(LABEL, file);
  }

  static Map<String, String> load(@Nullable String file, Map<String, String> environment) {
    return KeyValueConfig.load(LABEL, file, environment);
  }

  /**
   * The settings of {@code file} (see {@link #load}) with the inline {@code k=v,...} settings of
   * {@code text} (see {@link #parse}) laid over them: what one client is given.
   */
  public static Map<String, String> fromFileAndText(@Nullable String file, @Nullable String text) {
    return KeyValueConfig.fromFileAndText(LABEL, file, text);
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
    return part(config, false);
  }

  /** The entries of {@code config} that are secrets, in order. */
  public static Map<String, String> secretPart(Map<String, String> config) {
    return part(config, true);
  }

  private static Map<String, String> part(Map<String, String> config, boolean secrets) {
    Map<String, String> out = new LinkedHashMap<>();
    config.forEach(
        (key, value) -> {
          if (isSecret(key) == secrets) {
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
