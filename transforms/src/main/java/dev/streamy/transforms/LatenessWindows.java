package dev.streamy.transforms;

import com.google.auto.value.AutoValue;
import java.util.Collection;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.NonMergingWindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowMappingFn;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Fixed windows stretched by the allowed lateness: an event of window {@code [s, e)} is assigned
 * {@code [s, e + lateness)}. The watermark passes the end of a stretched window exactly when the
 * event's real window stops accepting late data, which is how {@link WindowEvents} tells "late but
 * allowed" from "too late" with the runner's own watermark.
 */
@AutoValue
abstract class LatenessWindows extends NonMergingWindowFn<Object, IntervalWindow> {

  static LatenessWindows of(Duration size, Duration lateness) {
    return new AutoValue_LatenessWindows(size, lateness);
  }

  abstract Duration getSize();

  abstract Duration getLateness();

  /** The real (unstretched) window of an event time. */
  IntervalWindow realWindow(Instant timestamp) {
    return FixedWindows.of(getSize()).assignWindow(timestamp);
  }

  @Override
  public Collection<IntervalWindow> assignWindows(AssignContext c) {
    IntervalWindow real = realWindow(c.timestamp());
    return List.of(new IntervalWindow(real.start(), real.end().plus(getLateness())));
  }

  @Override
  public boolean isCompatible(WindowFn<?, ?> other) {
    return equals(other);
  }

  @Override
  public Coder<IntervalWindow> windowCoder() {
    return IntervalWindow.getCoder();
  }

  @Override
  public WindowMappingFn<IntervalWindow> getDefaultWindowMappingFn() {
    throw new UnsupportedOperationException("LatenessWindows cannot be used for side inputs");
  }
}
