package dev.streamy.benchmarks.jmh;

import dev.streamy.transforms.EventRules;
import dev.streamy.transforms.JsonParsing;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.values.Row;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * streamy's per-record rules, one real event per operation, cycling through the samples: parsing
 * the bytes ({@code JsonParsing}), checking the contract ({@code EventRules.check}), and building
 * the typed row ({@code Contract.toRow}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RuleBenchmarks {

  private Samples samples;
  private int next;

  @Setup
  public void setUp() {
    samples = new Samples();
  }

  /** All samples' bytes to a JSON tree (limits: 1 MiB, depth 64). */
  @Benchmark
  public JsonParsing.Outcome parse() {
    next = (next + 1) % samples.values.size();
    return samples.parsing.parse(samples.values.get(next));
  }

  /** All samples (valid and refused) against the default contract. */
  @Benchmark
  public EventRules.Verdict validate() {
    next = (next + 1) % samples.parsed.size();
    return samples.rules.check(samples.parsed.get(next), Samples.NOW);
  }

  /** The valid samples only, as the pipeline validates most records. */
  @Benchmark
  public EventRules.Verdict validateValidOnly() {
    next = (next + 1) % samples.valid.size();
    return samples.rules.check(samples.valid.get(next), Samples.NOW);
  }

  /** A valid event's tree to its typed row. */
  @Benchmark
  public Row toRow() {
    next = (next + 1) % samples.valid.size();
    return samples.contract.toRow(samples.valid.get(next), samples.validRecords.get(next));
  }
}
