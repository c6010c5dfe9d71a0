package dev.streamy.pipelines;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.joda.time.Duration;

/**
 * Reads durations given as options: ISO-8601 ({@code PT1M}) or short ({@code 500ms, 30s, 5m, 2h,
 * 7d}).
 */
public final class Durations {

  private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private Durations() {}

  /** The duration {@code text} names; a clear error names the option when it is not one. */
  public static Duration parse(String option, String text) {
    String trimmed = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    Matcher shortForm = SHORT.matcher(trimmed);
    if (shortForm.matches()) {
      long amount = Long.parseLong(shortForm.group(1));
      switch (shortForm.group(2)) {
        case "ms":
          return Duration.millis(amount);
        case "s":
          return Duration.standardSeconds(amount);
        case "m":
          return Duration.standardMinutes(amount);
        case "h":
          return Duration.standardHours(amount);
        default:
          return Duration.standardDays(amount);
      }
    }
    if (trimmed.equals("0")) {
      return Duration.ZERO;
    }
    try {
      java.time.Duration iso = java.time.Duration.parse(trimmed.toUpperCase(Locale.ROOT));
      if (iso.isNegative()) {
        throw new IllegalArgumentException("negative");
      }
      return Duration.millis(iso.toMillis());
    } catch (java.time.format.DateTimeParseException
        | ArithmeticException
        | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--" + option + "=" + text + " is not a duration: use e.g. 30s, 5m, 1h, 7d or PT5M");
    }
  }
}
