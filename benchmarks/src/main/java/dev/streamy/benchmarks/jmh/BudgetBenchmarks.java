package dev.streamy.benchmarks.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamy.transforms.ErrorBudget;
import dev.streamy.transforms.ErrorBudgetWindow;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the error budget adds to {@code CheckEvents}' work on a valid record: the step's rules
 * (parse, check, row) with and without the budget's count ({@code ErrorBudgetWindow.event} with a
 * clock read), and the count alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class BudgetBenchmarks {

  private Samples samples;
  private ErrorBudgetWindow window;
  private int next;

  @Setup
  public void setUp() {
    samples = new Samples();
    window = ErrorBudget.of(0.05, Duration.standardMinutes(5), 1_000).newWindow();
  }

  /** A valid sample's bytes to its typed row, as CheckEvents does for a valid record. */
  @Benchmark
  public Row check() {
    next = (next + 1) % samples.validRecords.size();
    return rules(next);
  }

  /** {@link #check} and the budget's count of the record. */
  @Benchmark
  public Row checkWithBudget() {
    next = (next + 1) % samples.validRecords.size();
    Row row = rules(next);
    window.event(System.currentTimeMillis());
    return row;
  }

  /** The budget's count of a record alone. */
  @Benchmark
  public long budgetOnly() {
    window.event(System.currentTimeMillis());
    return window.records();
  }

  private Row rules(int sample) {
    JsonNode tree = samples.parsing.parse(samples.validRecords.get(sample).getValue()).getNode();
    samples.rules.check(tree, Samples.NOW);
    return samples.contract.toRow(tree, samples.validRecords.get(sample));
  }
}
