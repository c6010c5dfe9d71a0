package dev.streamy.transforms;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import javax.annotation.Nullable;
import org.joda.time.Instant;

/** Reads event times: ISO-8601 date-times with a zone offset or {@code Z}, as JSON Schema's. */
public final class EventTimes {

  private EventTimes() {}

  /** The instant of an ISO-8601 date-time, or null when the text is not one. */
  public static @Nullable Instant parse(@Nullable String text) {
    if (text == null || text.length() > 64) {
      return null;
    }
    try {
      return new Instant(OffsetDateTime.parse(text).toInstant().toEpochMilli());
    } catch (DateTimeParseException | ArithmeticException e) {
      return null;
    }
  }
}
