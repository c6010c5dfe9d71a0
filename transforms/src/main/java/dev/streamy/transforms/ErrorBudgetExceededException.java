package dev.streamy.transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.joda.time.Duration;

/**
 * The share of dead letters over the recent window passed the {@link ErrorBudget}. Its message is
 * one line for an operator, the codes that blew the budget by count:
 *
 * <pre>
 * error budget exceeded: 52.1% dead letters over the last 5m (1,042 of 2,000 records; budget 5%):
 * FIELD_INVALID 610, PARSE_ERROR 432
 * </pre>
 */
public final class ErrorBudgetExceededException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** How every message of this exception starts. */
  public static final String PREFIX = "error budget exceeded: ";

  ErrorBudgetExceededException(
      ErrorBudget budget, long records, long deadLetters, Map<ErrorCode, Long> byCode) {
    super(message(budget, records, deadLetters, byCode));
  }

  static String message(
      ErrorBudget budget, long records, long deadLetters, Map<ErrorCode, Long> byCode) {
    List<Map.Entry<ErrorCode, Long>> codes = new ArrayList<>(byCode.entrySet());
    codes.removeIf(code -> code.getValue() == 0);
    // Most first; equal counts in the enum's order, so that the line is reproducible.
    codes.sort(
        Map.Entry.<ErrorCode, Long>comparingByValue()
            .reversed()
            .thenComparing(Map.Entry.comparingByKey()));
    StringBuilder line =
        new StringBuilder(PREFIX)
            .append(percentAbove((double) deadLetters / records, budget.getMaxDeadLetterRatio()))
            .append(" dead letters over the last ")
            .append(duration(budget.getWindow()))
            .append(
                String.format(Locale.ROOT, " (%,d of %,d records; budget ", deadLetters, records))
            .append(percent(budget.getMaxDeadLetterRatio()))
            .append(")");
    String separator = ": ";
    for (Map.Entry<ErrorCode, Long> code : codes) {
      line.append(separator)
          .append(code.getKey().name())
          .append(String.format(Locale.ROOT, " %,d", code.getValue()));
      separator = ", ";
    }
    return line.toString();
  }

  /**
   * The message of the budget exception in {@code failure}'s causes, however a runner wrapped it:
   * found by type, or by its message where a runner shipped it as text ({@code 'Class: message'}).
   */
  public static Optional<String> messageIn(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof ErrorBudgetExceededException) {
        return Optional.of(cause.getMessage());
      }
      String message = cause.getMessage();
      int at = message == null ? -1 : message.indexOf(PREFIX);
      if (at >= 0) {
        return Optional.of(message.substring(at).lines().findFirst().orElse(""));
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return Optional.empty();
  }

  /**
   * {@code share} as a percentage with as many decimals as it takes (up to 4) to read as more than
   * {@code budget}: 0.1004 over 0.1 as {@code 10.04%}, not as a puzzling {@code 10%}.
   */
  static String percentAbove(double share, double budget) {
    String text = percent(share);
    for (int decimals = 2; decimals <= 4 && !(parsePercent(text) > budget * 100); decimals++) {
      text = String.format(Locale.ROOT, "%." + decimals + "f%%", share * 100);
    }
    return text;
  }

  private static double parsePercent(String text) {
    return Double.parseDouble(text.substring(0, text.length() - 1));
  }

  /** 0.052 as {@code 5.2%}, 0.05 as {@code 5%}. */
  static String percent(double share) {
    String text = String.format(Locale.ROOT, "%.1f", share * 100);
    return (text.endsWith(".0") ? text.substring(0, text.length() - 2) : text) + "%";
  }

  /** A duration as the options write it: {@code 5m}, {@code 90s}, {@code 1500ms}. */
  static String duration(Duration duration) {
    long millis = duration.getMillis();
    if (millis % 86_400_000 == 0) {
      return millis / 86_400_000 + "d";
    }
    if (millis % 3_600_000 == 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1_000 == 0) {
      return millis / 1_000 + "s";
    }
    return millis + "ms";
  }
}
