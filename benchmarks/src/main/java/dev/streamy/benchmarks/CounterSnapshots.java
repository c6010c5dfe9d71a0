package dev.streamy.benchmarks;

import java.util.ArrayList;
import java.util.List;

/**
 * When a streaming job's {@code records_read} reached N, from the JobManager's metric snapshots: a
 * new snapshot arrives about every 10 s, so the first one at N only bounds the moment from above.
 * The moment is estimated by going on from the last snapshot below N at the rate between it and the
 * one before (a backlog is read at a steady rate), never before that snapshot nor after the first
 * one at N. CPU time sampled alongside is read at the same moment by interpolation.
 */
final class CounterSnapshots {

  private final List<long[]> counts = new ArrayList<>();
  private final List<double[]> cpu = new ArrayList<>();

  /** Notes the counter as seen at {@code nanos}; only changes are kept (they are new snapshots). */
  void count(long nanos, long value) {
    if (counts.isEmpty() || counts.get(counts.size() - 1)[1] != value) {
      counts.add(new long[] {nanos, value});
    }
  }

  /** Notes the CPU seconds used so far, at {@code nanos}. */
  void cpu(long nanos, double seconds) {
    cpu.add(new double[] {nanos, seconds});
  }

  /** The first snapshot's time at which the counter was {@code >= target}; -1 if none. */
  long observed(long target) {
    for (long[] count : counts) {
      if (count[1] >= target) {
        return count[0];
      }
    }
    return -1;
  }

  /**
   * The estimated moment the counter reached {@code target}: extrapolated from the last two
   * snapshots below it when there are two above zero, else the first snapshot at the target.
   */
  long reached(long target) {
    long observed = observed(target);
    if (observed < 0) {
      throw new IllegalStateException("the counter never reached " + target);
    }
    int first = 0;
    while (counts.get(first)[1] < target) {
      first++;
    }
    if (first < 2 || counts.get(first - 2)[1] <= 0) {
      return observed;
    }
    long[] before = counts.get(first - 2);
    long[] last = counts.get(first - 1);
    double rate = (double) (last[1] - before[1]) / (last[0] - before[0]);
    if (rate <= 0) {
      return observed;
    }
    long estimate = last[0] + Math.round((target - last[1]) / rate);
    return Math.max(last[0], Math.min(observed, estimate));
  }

  /** The CPU seconds at {@code nanos}, interpolated between the samples around it. */
  double cpuAt(long nanos) {
    if (cpu.isEmpty()) {
      throw new IllegalStateException("no CPU samples");
    }
    double[] previous = cpu.get(0);
    if (nanos <= previous[0]) {
      return previous[1];
    }
    for (double[] sample : cpu) {
      if (sample[0] >= nanos) {
        double share = (nanos - previous[0]) / Math.max(1, sample[0] - previous[0]);
        return previous[1] + share * (sample[1] - previous[1]);
      }
      previous = sample;
    }
    return previous[1];
  }
}
