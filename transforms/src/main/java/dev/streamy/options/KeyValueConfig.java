package dev.streamy.options;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * Client settings given as {@code k=v,...} text or as a Java properties file, for any client (Kafka
 * consumers and producers, Iceberg catalogs). Every message names the client by its {@code label}
 * ("Kafka client", "Iceberg catalog"), keys, entry numbers, files and variables, never a value:
 * values may be secrets.
 *
 * <p>Text form ({@link #parse}): entries separated by commas. A value runs from the first {@code =}
 * to the next unescaped comma, so it may itself contain {@code =}, spaces, quotes and {@code ;} (as
 * {@code sasl.jaas.config} values do). Two escapes exist: {@code \,} stands for a comma inside a
 * value and {@code \\} for one backslash; any other backslash is kept as it is. Keys and values are
 * trimmed; empty entries are ignored. A key cannot contain {@code =}.
 *
 * <p>File form ({@link #load}): a Java properties file (the format of Kafka's {@code
 * client.properties}), so that passwords need not appear on a command line. A value may be, or
 * contain, {@code ${env:NAME}}: the environment variable's value.
 */
public final class KeyValueConfig {

  private static final Pattern ENV_REFERENCE =
      Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)\\}");

  private KeyValueConfig() {}

  /**
   * Parses {@code k=v,k2=v2} into an ordered, unmodifiable map.
   *
   * @throws IllegalArgumentException for an entry with no {@code =}, an empty key or a repeated key
   */
  public static Map<String, String> parse(String label, @Nullable String text) {
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
        add(label, config, entry, separator, entryNumber);
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
    add(label, config, entry, separator, entryNumber);
    return Collections.unmodifiableMap(config);
  }

  /**
   * The settings of a properties file, with every {@code ${env:NAME}} replaced by that environment
   * variable; an empty map when {@code file} is null or blank.
   *
   * @throws IllegalArgumentException when the file cannot be read or a variable is not set
   */
  public static Map<String, String> load(String label, @Nullable String file) {
    return load(label, file, System.getenv());
  }

  static Map<String, String> load(
      String label, @Nullable String file, Map<String, String> environment) {
    Map<String, String> config = new TreeMap<>();
    if (file == null || file.isBlank()) {
      return Collections.unmodifiableMap(config);
    }
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException | InvalidPathException e) {
      throw new IllegalArgumentException(
          "cannot read the "
              + label
              + " settings file "
              + file
              + " ("
              + e.getClass().getSimpleName()
              + ")");
    }
    for (String key : properties.stringPropertyNames()) {
      String value = properties.getProperty(key).trim();
      config.put(key.trim(), withEnvironment(label, key, value, environment));
    }
    return Collections.unmodifiableMap(config);
  }

  /**
   * The settings of {@code file} (see {@link #load}) with the inline settings of {@code text} (see
   * {@link #parse}) laid over them: what one client is given.
   */
  public static Map<String, String> fromFileAndText(
      String label, @Nullable String file, @Nullable String text) {
    Map<String, String> merged = new LinkedHashMap<>(load(label, file));
    merged.putAll(parse(label, text));
    return Collections.unmodifiableMap(merged);
  }

  private static String withEnvironment(
      String label, String key, String value, Map<String, String> environment) {
    Matcher reference = ENV_REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (reference.find()) {
      String variable = reference.group(1);
      String replacement = environment.get(variable);
      if (replacement == null) {
        throw new IllegalArgumentException(
            label + " setting " + key + " refers to ${env:" + variable + "}, which is not set");
      }
      reference.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    reference.appendTail(out);
    return out.toString();
  }

  private static void add(
      String label,
      Map<String, String> config,
      StringBuilder entry,
      int separator,
      int entryNumber) {
    if (entry.toString().isBlank()) {
      return;
    }
    if (separator < 0) {
      throw new IllegalArgumentException(
          label + " config entry #" + entryNumber + " is not of the form key=value");
    }
    String key = entry.substring(0, separator).trim();
    String value = entry.substring(separator + 1).trim();
    if (key.isEmpty()) {
      throw new IllegalArgumentException(label + " config entry #" + entryNumber + " has no key");
    }
    if (config.containsKey(key)) {
      throw new IllegalArgumentException(label + " config key given twice: " + key);
    }
    config.put(key, value);
  }
}
