package dev.streamy.transforms;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import javax.annotation.Nullable;
import org.joda.time.Instant;

/** Reads event times: ISO-8601 date-times with a zone offset or {@code Z}, as JSON Schema's. */
public final class EventTimes {

  /** Returned by {@link #parseCommonForm} when the text is not in the common form. */
  static final long NOT_COMMON = Long.MIN_VALUE;

  private static final int[] DAYS_IN_MONTH = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

  private EventTimes() {}

  /** The instant of an ISO-8601 date-time, or null when the text is not one. */
  public static @Nullable Instant parse(@Nullable String text) {
    if (text == null || text.length() > 64) {
      return null;
    }
    // Nearly every event time has the common form; java.time decides everything else.
    long millis = parseCommonForm(text);
    if (millis != NOT_COMMON) {
      return new Instant(millis);
    }
    try {
      return new Instant(OffsetDateTime.parse(text).toInstant().toEpochMilli());
    } catch (DateTimeParseException | ArithmeticException e) {
      return null;
    }
  }

  /**
   * The epoch milliseconds of {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:mm)} with year 1583..9999,
   * a real calendar day, seconds below 60 and an offset below 18 hours (not {@code -00:00}), else
   * {@link #NOT_COMMON}. Every text it reads is a valid RFC 3339 date-time that {@link
   * OffsetDateTime#parse} reads to the same instant; it reads no others, so callers fall back to a
   * full parser for anything it refuses.
   */
  static long parseCommonForm(String s) {
    int n = s.length();
    if (n < 20
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != 'T'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':') {
      return NOT_COMMON;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if (year < 1583
        || month < 1
        || month > 12
        || day < 1
        || day > daysInMonth(year, month)
        || hour > 23
        || minute > 59
        || second > 59) {
      return NOT_COMMON; // also every negative (non-digit) result
    }
    int i = 19;
    int nanos = 0;
    if (s.charAt(i) == '.') {
      int start = ++i;
      while (i < n && i - start < 10 && isDigit(s.charAt(i))) {
        nanos = nanos * 10 + (s.charAt(i) - '0');
        i++;
      }
      int count = i - start;
      if (count == 0 || count > 9) {
        return NOT_COMMON;
      }
      for (int k = count; k < 9; k++) {
        nanos *= 10;
      }
    }
    int offsetSeconds;
    if (i == n - 1 && s.charAt(i) == 'Z') {
      offsetSeconds = 0;
    } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
      int offsetHours = digits(s, i + 1, 2);
      int offsetMinutes = digits(s, i + 4, 2);
      if (offsetHours < 0 || offsetHours > 17 || offsetMinutes < 0 || offsetMinutes > 59) {
        return NOT_COMMON;
      }
      offsetSeconds = offsetHours * 3600 + offsetMinutes * 60;
      if (s.charAt(i) == '-') {
        if (offsetSeconds == 0) {
          return NOT_COMMON; // "-00:00" means an unknown offset in RFC 3339
        }
        offsetSeconds = -offsetSeconds;
      }
    } else {
      return NOT_COMMON;
    }
    long epochSecond =
        epochDay(year, month, day) * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
    return epochSecond * 1000L + nanos / 1_000_000;
  }

  /** The value of {@code count} ASCII digits at {@code from}, or -1 if any is not a digit. */
  private static int digits(String s, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (!isDigit(c)) {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int daysInMonth(int year, int month) {
    if (month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))) {
      return 29;
    }
    return DAYS_IN_MONTH[month - 1];
  }

  /** Days since 1970-01-01 of a proleptic Gregorian date (as {@code LocalDate.toEpochDay}). */
  private static long epochDay(int year, int month, int day) {
    long y = month <= 2 ? year - 1 : year;
    long era = Math.floorDiv(y, 400);
    long yearOfEra = y - era * 400;
    long dayOfYear = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146_097 + dayOfEra - 719_468;
  }
}
