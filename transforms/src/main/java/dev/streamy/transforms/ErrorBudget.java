package dev.streamy.transforms;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.joda.time.Duration;

/**
 * How large a share of the records may become dead letters before the pipeline stops: more than
 * {@link #getMaxDeadLetterRatio} of the records seen over the last {@link #getWindow} (processing
 * time), once at least {@link #getMinRecords} records were seen in it. {@link #OFF} (a ratio of 1:
 * no share can pass it) is the default.
 *
 * <p>The budget is kept by each instance of the parse-and-validate step ({@link CheckEvents}) on
 * the records that instance sees: a worker thread's share of the input, which on a Kafka topic is a
 * sample of every partition it reads. Counting stays local (a few increments per record, no
 * shuffle, no shared state); the price is that {@link #getMinRecords} applies per instance.
 */
@AutoValue
public abstract class ErrorBudget implements Serializable {

  /**
   * The exception as it is. One instance, so that budgets compare equal unless given another
   * wrapper; declared before {@link #OFF}, whose initializer uses it.
   */
  private static final SerializableFunction<ErrorBudgetExceededException, RuntimeException>
      AS_IT_IS = blown -> blown;

  /** No budget: dead letters never stop the pipeline. */
  public static final ErrorBudget OFF = of(1.0, Duration.standardMinutes(5), 1_000);

  /**
   * A budget of {@code maxDeadLetterRatio} (0 to 1; 1 is off) over {@code window}, checked once
   * {@code minRecords} records are in the window.
   */
  public static ErrorBudget of(double maxDeadLetterRatio, Duration window, long minRecords) {
    if (!(maxDeadLetterRatio >= 0 && maxDeadLetterRatio <= 1)) {
      throw new IllegalArgumentException(
          maxDeadLetterRatio + ": the budget is a share of the records, 0 to 1 (1 is off)");
    }
    if (window.getMillis() < ErrorBudgetWindow.BUCKETS) {
      throw new IllegalArgumentException(
          "the window must be at least " + ErrorBudgetWindow.BUCKETS + "ms");
    }
    if (minRecords < 1) {
      throw new IllegalArgumentException(minRecords + ": the minimum must be at least 1 record");
    }
    return new AutoValue_ErrorBudget(maxDeadLetterRatio, window, minRecords, AS_IT_IS);
  }

  /** The share of dead letters (0 to 1) the window may hold; more stops the pipeline. */
  public abstract double getMaxDeadLetterRatio();

  /** How far back in processing time the share is taken. */
  public abstract Duration getWindow();

  /** Records the window must hold before its share counts. */
  public abstract long getMinRecords();

  /** Turns the exception into the one the step throws (see {@link #thrownAs}). */
  abstract SerializableFunction<ErrorBudgetExceededException, RuntimeException> getThrown();

  /** Whether dead letters can ever stop the pipeline. */
  public boolean isOn() {
    return getMaxDeadLetterRatio() < 1;
  }

  /**
   * The same budget, whose exception the step wraps with {@code wrap} before throwing it: for a
   * runner that decides from an exception's type whether to restart (Flink: {@code
   * SuppressRestartsException}), so that a blown budget ends the job instead of replaying the flood
   * from the last checkpoint at every restart. The pipeline graph stays runner-agnostic: the runner
   * module passes its wrapper in.
   */
  public ErrorBudget thrownAs(
      SerializableFunction<ErrorBudgetExceededException, RuntimeException> wrap) {
    return new AutoValue_ErrorBudget(getMaxDeadLetterRatio(), getWindow(), getMinRecords(), wrap);
  }

  /** A fresh, empty window of this budget, for one instance of the step. */
  public ErrorBudgetWindow newWindow() {
    return new ErrorBudgetWindow(this);
  }

  /** What the step throws when this budget is blown, {@code blown} wrapped as it was told. */
  RuntimeException thrown(ErrorBudgetExceededException blown) {
    return getThrown().apply(blown);
  }

  @Override
  public final String toString() {
    return isOn()
        ? "at most "
            + ErrorBudgetExceededException.percent(getMaxDeadLetterRatio())
            + " dead letters over "
            + ErrorBudgetExceededException.duration(getWindow())
            + " (from "
            + getMinRecords()
            + " records)"
        : "off";
  }
}
