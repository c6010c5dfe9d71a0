package dev.streamy.benchmarks.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.JsonNodeCoder;
import dev.streamy.transforms.SourceRecord;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.Row;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encode + decode round trips of the coders streamy's elements travel in between steps (what a
 * runner pays for every copy, shuffle or state write): source records, event rows, parsed JSON
 * trees and dead letters, one real sample per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CoderBenchmarks {

  private Samples samples;
  private Coder<SourceRecord> sourceRecordCoder;
  private Coder<Row> rowCoder;
  private Coder<DeadLetter> deadLetterCoder;
  private Coder<JsonNode> jsonNodeCoder;
  private int next;

  @Setup
  public void setUp() {
    samples = new Samples();
    sourceRecordCoder = SourceRecord.coder();
    rowCoder = RowCoder.of(samples.contract.getEventSchema());
    deadLetterCoder = DeadLetter.coder();
    jsonNodeCoder = JsonNodeCoder.of();
  }

  @Benchmark
  public SourceRecord sourceRecordCoder() throws CoderException {
    next = (next + 1) % samples.records.size();
    return roundTrip(sourceRecordCoder, samples.records.get(next));
  }

  @Benchmark
  public Row eventRowCoder() throws CoderException {
    next = (next + 1) % samples.rows.size();
    return roundTrip(rowCoder, samples.rows.get(next));
  }

  @Benchmark
  public JsonNode jsonNodeCoder() throws CoderException {
    next = (next + 1) % samples.parsed.size();
    return roundTrip(jsonNodeCoder, samples.parsed.get(next));
  }

  @Benchmark
  public DeadLetter deadLetterCoder() throws CoderException {
    next = (next + 1) % samples.deadLetters.size();
    return roundTrip(deadLetterCoder, samples.deadLetters.get(next));
  }

  private static <T> T roundTrip(Coder<T> coder, T value) throws CoderException {
    return CoderUtils.decodeFromByteArray(coder, CoderUtils.encodeToByteArray(coder, value));
  }
}
