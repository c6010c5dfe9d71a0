package dev.streamy.transforms;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * The records and dead letters (by code) one instance of a step saw over the last window of
 * processing time, in {@value #BUCKETS} buckets of a tenth of the window each, and whether they
 * blow the {@link ErrorBudget}. Not thread-safe: a DoFn instance processes one element at a time.
 *
 * <p>Cheap on purpose, since it sees every record: a record costs a clock read, a comparison and an
 * increment, a dead letter two more increments and a comparison of two running totals. The window
 * slides a bucket at a time, so it reaches back between nine and ten tenths of the window.
 */
public final class ErrorBudgetWindow {

  /** Buckets per window. */
  static final int BUCKETS = 10;

  private static final ErrorCode[] CODES = ErrorCode.values();

  private final ErrorBudget budget;
  private final double maxRatio;
  private final long minRecords;
  private final long bucketMillis;

  private final long[] records = new long[BUCKETS];
  private final long[] deadLetters = new long[BUCKETS];
  private final long[][] byCode = new long[BUCKETS][CODES.length];

  /** The bucket of {@code currentTick}; ticks count bucket lengths since the epoch. */
  private int current;

  private long currentTick = Long.MIN_VALUE;

  /** Where the current bucket starts and ends (ms); empty until the first record. */
  private long bucketStart = Long.MAX_VALUE;

  private long bucketEnd = Long.MIN_VALUE;
  private long windowRecords;
  private long windowDeadLetters;

  ErrorBudgetWindow(ErrorBudget budget) {
    this.budget = budget;
    this.maxRatio = budget.getMaxDeadLetterRatio();
    this.minRecords = budget.getMinRecords();
    this.bucketMillis = Math.max(1, budget.getWindow().getMillis() / BUCKETS);
  }

  /** Counts a record that became an event, at {@code nowMillis}. */
  public void event(long nowMillis) {
    slideTo(nowMillis);
    records[current]++;
    windowRecords++;
  }

  /**
   * Counts a record that became a dead letter with {@code code}, at {@code nowMillis}.
   *
   * @throws ErrorBudgetExceededException when the window's share of dead letters now passes the
   *     budget (wrapped as the budget says)
   */
  public void deadLetter(ErrorCode code, long nowMillis) {
    slideTo(nowMillis);
    records[current]++;
    deadLetters[current]++;
    byCode[current][code.ordinal()]++;
    windowRecords++;
    windowDeadLetters++;
    if (windowRecords >= minRecords && windowDeadLetters > maxRatio * windowRecords) {
      throw budget.thrown(
          new ErrorBudgetExceededException(
              budget, windowRecords, windowDeadLetters, deadLettersByCode()));
    }
  }

  /** Records in the window. */
  public long records() {
    return windowRecords;
  }

  /** Dead letters in the window. */
  public long deadLetters() {
    return windowDeadLetters;
  }

  /** Dead letters in the window by code, codes without any left out. */
  public Map<ErrorCode, Long> deadLettersByCode() {
    Map<ErrorCode, Long> codes = new EnumMap<>(ErrorCode.class);
    for (long[] bucket : byCode) {
      for (int code = 0; code < CODES.length; code++) {
        if (bucket[code] > 0) {
          codes.merge(CODES[code], bucket[code], Long::sum);
        }
      }
    }
    return codes;
  }

  /** Moves the window on to {@code nowMillis}'s bucket, emptying the buckets it leaves behind. */
  private void slideTo(long nowMillis) {
    if (nowMillis >= bucketStart && nowMillis < bucketEnd) {
      return; // nearly every record: two comparisons
    }
    long tick = Math.floorDiv(nowMillis, bucketMillis);
    if (tick <= currentTick) {
      return; // the clock stepped back: count into the newest bucket
    }
    long steps = currentTick == Long.MIN_VALUE ? BUCKETS : Math.min(BUCKETS, tick - currentTick);
    for (long step = 0; step < steps; step++) {
      current = (current + 1) % BUCKETS;
      windowRecords -= records[current];
      windowDeadLetters -= deadLetters[current];
      records[current] = 0;
      deadLetters[current] = 0;
      Arrays.fill(byCode[current], 0);
    }
    currentTick = tick;
    bucketStart = tick * bucketMillis;
    bucketEnd = bucketStart + bucketMillis;
  }
}
