package dev.streamy.pipelines;

/**
 * The one line to show a user for an option that is missing or wrong. Beam's options parser wraps
 * the errors of typed options (such as {@code --sink}, read by {@link Sink#fromOption}) in Jackson
 * messages over several lines; the line that names the option is the innermost error's.
 */
public final class OptionErrors {

  private OptionErrors() {}

  /** {@code --sink=delta: use parquet, iceberg or both}, from however deep it was raised. */
  public static String oneLine(Throwable error) {
    String line = firstLine(error.getMessage());
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      String message = firstLine(cause.getMessage());
      if (cause instanceof IllegalArgumentException && message.startsWith("--")) {
        line = message;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return line;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int end = message.indexOf('\n');
    return (end < 0 ? message : message.substring(0, end)).trim();
  }
}
