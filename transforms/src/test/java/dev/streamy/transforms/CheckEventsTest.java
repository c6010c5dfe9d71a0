package dev.streamy.transforms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamy.transforms.testing.FixedClock;
import dev.streamy.transforms.testing.RealEvents;
import dev.streamy.transforms.testing.TestEvents;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The fused step against ParseEvents then ValidateEvents on the same records, real events of both
 * formats and records that fail parsing: the same rows with the same timestamps, the same dead
 * letters (stage, code, violations, message, bytes), the same counters.
 */
@RunWith(JUnit4.class)
public class CheckEventsTest {

  private static final Duration SKEW = Duration.standardMinutes(5);

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  /** A row with its timestamp, as text. */
  private static final class RowSummaryFn extends DoFn<KV<SourceRecord, Row>, String> {
    @ProcessElement
    public void process(
        @Element KV<SourceRecord, Row> event,
        @Timestamp Instant timestamp,
        OutputReceiver<String> out) {
      out.output(event.getKey().coordinates() + " " + timestamp + " " + event.getValue());
    }
  }

  private static String summary(DeadLetter d) {
    return d.getOffset()
        + " "
        + d.getStage()
        + " "
        + d.getErrorCode()
        + " "
        + d.getMessage()
        + " "
        + d.getViolations().stream()
            .map(v -> v.getPath() + ":" + v.getCode() + ":" + v.getReason())
            .collect(Collectors.joining(","))
        + " "
        + DeadLetter.sha256(d.getValue())
        + " "
        + d.getEventId();
  }

  @Test
  public void givesWhatParseThenValidateGive() {
    // Every sixth real event: both formats, few enough for the DirectRunner's checks to be quick.
    List<SourceRecord> records = new ArrayList<>();
    List<SourceRecord> real = RealEvents.records("recentchange");
    for (int i = 0; i < real.size(); i += 6) {
      records.add(real.get(i));
    }
    long offset = records.size();
    for (String bad :
        List.of("", "not json", "[1,2]", "{\"a\":1,\"a\":2}", "[[[[[[[[[[[[1]]]]]]]]]]]]", "{}")) {
      records.add(
          SourceRecord.of("recentchange", 0, offset++, bad.getBytes(StandardCharsets.UTF_8)));
    }
    PCollection<SourceRecord> input = ParseEventsTest.create(pipeline, records);

    WithFailures.Result<PCollection<KV<SourceRecord, JsonNode>>, DeadLetter> parsed =
        input.apply("ParseEvents", ParseEvents.withLimits(1 << 20, 10));
    WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> twoSteps =
        parsed
            .output()
            .apply(
                "ValidateEvents",
                ValidateEvents.of(TestEvents.CONTRACT, SKEW)
                    .withClock(FixedClock.at("2026-01-01T00:00:00Z")));
    WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> fused =
        input.apply(
            "CheckEvents",
            CheckEvents.of(ParseEvents.withLimits(1 << 20, 10), TestEvents.CONTRACT, SKEW)
                .withClock(FixedClock.at("2026-01-01T00:00:00Z")));

    assertBothGiveTheSame(
        "Rows",
        twoSteps.output().apply("TwoStepRows", ParDo.of(new RowSummaryFn())),
        fused.output().apply("FusedRows", ParDo.of(new RowSummaryFn())));
    PCollection<DeadLetter> twoStepFailures =
        PCollectionList.of(parsed.failures())
            .and(twoSteps.failures())
            .apply("TwoStepFailures", Flatten.pCollections());
    assertBothGiveTheSame(
        "DeadLetters", summaries("TwoStep", twoStepFailures), summaries("Fused", fused.failures()));

    PipelineResult run = pipeline.run();
    run.waitUntilFinish();
    assertEquals(records.size(), fusedCounter(run, "records_read"));
    for (String counter : List.of("records_read", "parsed", "events_valid")) {
      // Each counter is counted once by the two steps and once by the fused one.
      assertEquals(counter, 2 * fusedCounter(run, counter), ParseEventsTest.counter(run, counter));
    }
  }

  /**
   * Without the payload: the same rows, coordinates and timestamps, records that keep no key, value
   * or headers, and dead letters that still carry every original byte.
   */
  @Test
  public void withoutPayloadKeepsOnlyTheCoordinatesOfValidEvents() {
    List<SourceRecord> records = new ArrayList<>();
    List<SourceRecord> real = RealEvents.records("recentchange");
    for (int i = 0; i < real.size(); i += 30) {
      SourceRecord r = real.get(i);
      records.add(
          SourceRecord.create(
              r.getTopic(),
              r.getPartition(),
              r.getOffset(),
              r.getTimestamp(),
              "key".getBytes(StandardCharsets.UTF_8),
              r.getValue(),
              List.of(SourceRecord.Header.create("h", new byte[] {1}))));
    }
    records.add(
        SourceRecord.of(
            "recentchange", 0, records.size(), "not json".getBytes(StandardCharsets.UTF_8)));
    PCollection<SourceRecord> input = ParseEventsTest.create(pipeline, records);
    CheckEvents check =
        CheckEvents.of(ParseEvents.withLimits(1 << 20, 10), TestEvents.CONTRACT, SKEW)
            .withClock(FixedClock.at("2026-01-01T00:00:00Z"));
    WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> full =
        input.apply("WithPayload", check);
    WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> slim =
        input.apply("WithoutPayload", check.withoutPayload());

    assertBothGiveTheSame(
        "Rows",
        full.output().apply("FullRows", ParDo.of(new RowSummaryFn())),
        slim.output().apply("SlimRows", ParDo.of(new RowSummaryFn())));
    PAssert.that(slim.output())
        .satisfies(
            events -> {
              for (KV<SourceRecord, Row> event : events) {
                assertEquals(null, event.getKey().getValue());
                assertEquals(null, event.getKey().getKey());
                assertEquals(List.of(), event.getKey().getHeaders());
              }
              return null;
            });
    assertBothGiveTheSame(
        "DeadLetters", summaries("Full", full.failures()), summaries("Slim", slim.failures()));
    pipeline.run().waitUntilFinish();
  }

  private static long fusedCounter(PipelineResult run, String name) {
    long total = 0;
    for (MetricResult<Long> counter :
        run.metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(StreamyCounters.NAMESPACE, name))
                    .addStep("CheckEvents")
                    .build())
            .getCounters()) {
      total += counter.getAttempted();
    }
    return total;
  }

  /** Real events, every {@code step}-th, then {@code bad} records that fail parsing. */
  private static List<SourceRecord> realThenUnparseable(int step, int bad) {
    List<SourceRecord> records = new ArrayList<>();
    List<SourceRecord> real = RealEvents.records("recentchange");
    for (int i = 0; i < real.size(); i += step) {
      records.add(real.get(i));
    }
    long offset = records.size();
    for (int i = 0; i < bad; i++) {
      records.add(
          SourceRecord.of(
              "recentchange", 0, offset++, "not json".getBytes(StandardCharsets.UTF_8)));
    }
    return records;
  }

  @Test
  public void aBlownErrorBudgetFailsThePipelineWithOneLineNamingTheCodes() {
    // 102 real events (a few old-format FIELD_MISSING ones), then 400 unparseable records.
    List<SourceRecord> records = realThenUnparseable(30, 400);
    ParseEventsTest.create(pipeline, records)
        .apply(
            "CheckEvents",
            CheckEvents.of(ParseEvents.withLimits(1 << 20, 10), TestEvents.CONTRACT, SKEW)
                .withClock(FixedClock.at("2026-01-01T00:00:00Z"))
                .withErrorBudget(ErrorBudget.of(0.5, Duration.standardMinutes(5), 20)));

    RuntimeException failed = assertThrows(RuntimeException.class, () -> pipeline.run());
    String message = ErrorBudgetExceededException.messageIn(failed).orElseThrow(() -> failed);
    assertTrue(
        message,
        message.matches(
            "error budget exceeded: [0-9.]+% dead letters over the last 5m \\([0-9,]+ of [0-9,]+"
                + " records; budget 50%\\): PARSE_ERROR [0-9,]+(, FIELD_MISSING [0-9,]+)?"));
  }

  @Test
  public void withinTheBudgetTheStepGivesWhatItGivesWithout() {
    // One unparseable record after every fifth real event: a sixth of the records, in any bundle.
    List<SourceRecord> records = new ArrayList<>();
    List<SourceRecord> real = RealEvents.records("recentchange");
    for (int i = 0; i < 100; i++) {
      records.add(real.get(i * 30));
      if (i % 5 == 4) {
        records.add(
            SourceRecord.of("recentchange", 1, i, "not json".getBytes(StandardCharsets.UTF_8)));
      }
    }
    PCollection<SourceRecord> input = ParseEventsTest.create(pipeline, records);
    CheckEvents check =
        CheckEvents.of(ParseEvents.withLimits(1 << 20, 10), TestEvents.CONTRACT, SKEW)
            .withClock(FixedClock.at("2026-01-01T00:00:00Z"));
    WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> plain =
        input.apply("Unbudgeted", check);
    WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> budgeted =
        input.apply(
            "Budgeted",
            check.withErrorBudget(ErrorBudget.of(0.5, Duration.standardMinutes(5), 30)));
    assertBothGiveTheSame(
        "BudgetRows",
        plain.output().apply("PlainRows", ParDo.of(new RowSummaryFn())),
        budgeted.output().apply("BudgetedRows", ParDo.of(new RowSummaryFn())));
    assertBothGiveTheSame(
        "BudgetDeadLetters",
        summaries("Plain", plain.failures()),
        summaries("Budgeted", budgeted.failures()));
    pipeline.run().waitUntilFinish();
  }

  private static PCollection<String> summaries(String name, PCollection<DeadLetter> deadLetters) {
    return deadLetters.apply(
        name + "Summaries",
        MapElements.into(TypeDescriptors.strings()).via(CheckEventsTest::summary));
  }

  /** Every element comes out of both, once each, and there are some. */
  private static void assertBothGiveTheSame(
      String name, PCollection<String> a, PCollection<String> b) {
    PCollection<KV<String, Long>> counts =
        PCollectionList.of(a)
            .and(b)
            .apply(name + "Both", Flatten.pCollections())
            .apply(name + "Count", Count.perElement());
    PAssert.that(counts)
        .satisfies(
            all -> {
              long distinct = 0;
              for (KV<String, Long> count : all) {
                assertEquals(count.getKey(), Long.valueOf(2), count.getValue());
                distinct++;
              }
              assertTrue(name, distinct > 0);
              return null;
            });
  }
}
