package dev.streamy.transforms.testing;

import org.apache.beam.sdk.util.SerializableSupplier;
import org.joda.time.Instant;

/** A clock for {@code ValidateEvents.withClock} that always says the same instant. */
public final class FixedClock implements SerializableSupplier<Instant> {
  private final long millis;

  private FixedClock(Instant now) {
    this.millis = now.getMillis();
  }

  /** A clock stopped at {@code now}. */
  public static FixedClock at(Instant now) {
    return new FixedClock(now);
  }

  /** A clock stopped at an ISO-8601 instant such as {@code 2026-01-01T00:00:00Z}. */
  public static FixedClock at(String now) {
    return at(Instant.parse(now));
  }

  @Override
  public Instant get() {
    return new Instant(millis);
  }
}
