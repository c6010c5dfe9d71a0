package dev.streamy.transforms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The common-form fast path of {@link EventTimes} reads exactly what java.time reads. */
@RunWith(JUnit4.class)
public class EventTimesTest {

  /** What {@link EventTimes#parse} returned before it had a fast path. */
  private static Instant javaTime(String text) {
    if (text.length() > 64) {
      return null;
    }
    try {
      return new Instant(OffsetDateTime.parse(text).toInstant().toEpochMilli());
    } catch (DateTimeParseException | ArithmeticException e) {
      return null;
    }
  }

  @Test
  public void readsCommonFormsToTheSameInstant() {
    assertEquals(Instant.parse("2023-07-29T07:51:39Z"), EventTimes.parse("2023-07-29T07:51:39Z"));
    assertEquals(
        Instant.parse("2023-07-29T05:51:39.123Z"),
        EventTimes.parse("2023-07-29T07:51:39.1239+02:00"));
    assertEquals(
        Instant.parse("2024-02-29T23:59:59.999Z"),
        EventTimes.parse("2024-03-01T05:29:59.999999999+05:30"));
    assertNull(EventTimes.parse("2023-02-29T07:51:39Z"));
    assertNull(EventTimes.parse(null));
  }

  @Test
  public void agreesWithJavaTimeOnEdgeCases() {
    String[] texts = {
      "2023-07-29T07:51:39Z",
      "2023-07-29T07:51:39.1Z",
      "2023-07-29T07:51:39.123456789Z",
      "2023-07-29T07:51:39.1234567891Z",
      "2023-07-29T07:51:39.Z",
      "2023-07-29T07:51Z",
      "2023-07-29t07:51:39z",
      "2023-07-29T07:51:39-00:00",
      "2023-07-29T07:51:39+18:00",
      "2023-07-29T07:51:39+17:59",
      "2023-07-29T07:51:39+18:01",
      "2023-07-29T07:51:39+0200",
      "2023-07-29T07:51:39+02",
      "2023-07-29T07:51:39+02:00:30",
      "2023-07-29T07:51:39",
      "2023-07-29 07:51:39Z",
      "1900-02-29T00:00:00Z",
      "2000-02-29T00:00:00Z",
      "2023-04-31T07:51:39Z",
      "2023-13-01T00:00:00Z",
      "2023-07-29T24:00:00Z",
      "2016-12-31T23:59:60Z",
      "9999-12-31T23:59:59.999Z",
      "+10000-01-01T00:00:00Z",
      "0000-01-01T00:00:00Z",
      "1582-10-10T00:00:00Z",
      "1583-01-01T00:00:00Z",
      "2023-07-29T07:51:39ZZ",
      " 2023-07-29T07:51:39Z",
      "\uFF12023-07-29T07:51:39Z",
      ""
    };
    for (String text : texts) {
      assertEquals(text, javaTime(text), EventTimes.parse(text));
    }
  }

  @Test
  public void agreesWithJavaTimeOnRandomDateTimes() {
    Random random = new Random(11);
    String[] years = {
      "2023", "2024", "2000", "1900", "2100", "0000", "1583", "1582", "9999", "+2023"
    };
    for (int round = 0; round < 200_000; round++) {
      StringBuilder b = new StringBuilder(years[random.nextInt(years.length)]);
      b.append('-').append(two(random.nextInt(14))).append('-').append(two(random.nextInt(33)));
      b.append(random.nextInt(10) == 0 ? "t" : "T");
      b.append(two(random.nextInt(26))).append(':').append(two(random.nextInt(62)));
      if (random.nextInt(10) != 0) {
        b.append(':').append(two(random.nextInt(62)));
      }
      if (random.nextInt(3) == 0) {
        b.append('.');
        for (int d = random.nextInt(12); d > 0; d--) {
          b.append((char) ('0' + random.nextInt(10)));
        }
      }
      int zone = random.nextInt(6);
      if (zone < 3) {
        b.append(zone == 0 ? "z" : "Z");
      } else if (zone < 5) {
        b.append(random.nextBoolean() ? '+' : '-').append(two(random.nextInt(20)));
        b.append(random.nextInt(8) == 0 ? "" : ":").append(two(random.nextInt(64)));
      }
      String text = b.toString();
      assertEquals(text, javaTime(text), EventTimes.parse(text));
    }
  }

  private static String two(int value) {
    return value < 10 ? "0" + value : Integer.toString(value);
  }
}
