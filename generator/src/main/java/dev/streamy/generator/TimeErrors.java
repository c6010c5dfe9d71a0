package dev.streamy.generator;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Events with an event time the pipeline cannot use: {@link EventFactory.Kind#UNPARSEABLE_TIME}
 * ({@code TS_INVALID}) and {@link EventFactory.Kind#FUTURE_TIME} ({@code TS_FUTURE}).
 */
final class TimeErrors {

  private TimeErrors() {}

  /** {@code meta.dt} that is not a date-time: a word, 30 February, epoch seconds, a local form. */
  static byte[] unparseableTime(Draft draft, SplittableRandom random) {
    Instant time = draft.time();
    String dt =
        switch (random.nextInt(4)) {
          case 0 -> "yesterday";
          case 1 -> "2024-02-30T10:00:00Z";
          case 2 -> String.valueOf(time.getEpochSecond());
          default ->
              DateTimeFormatter.ofPattern("dd/MM/yyyy HH:mm:ss", Locale.ROOT)
                  .withZone(ZoneOffset.UTC)
                  .format(time);
        };
    draft.meta().put("dt", dt);
    return draft.json();
  }

  /** {@code meta.dt} and {@code timestamp} two days (and up to an hour) ahead of the event. */
  static byte[] futureTime(Draft draft, SplittableRandom random) {
    Instant future = draft.time().plus(Duration.ofDays(2)).plusSeconds(random.nextInt(3600));
    draft.meta().put("dt", DateTimeFormatter.ISO_INSTANT.format(future));
    draft.event().put("timestamp", future.getEpochSecond());
    return draft.json();
  }
}
