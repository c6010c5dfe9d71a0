package dev.streamy.transforms;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.schemas.SchemaRegistry;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Parses each record's value bytes into a JSON object ({@link JsonParsing}); every record that
 * cannot be parsed becomes one {@link DeadLetter} at {@link Stage#PARSE}. The record travels on
 * with its tree so that later stages can still dead-letter it losslessly.
 */
public final class ParseEvents
    extends PTransform<
        PCollection<SourceRecord>,
        WithFailures.Result<PCollection<KV<SourceRecord, JsonNode>>, DeadLetter>> {

  static final String NAMESPACE = "streamy";

  private static final TupleTag<KV<SourceRecord, JsonNode>> PARSED = new TupleTag<>("parsed");
  private static final TupleTag<DeadLetter> FAILED = new TupleTag<>("deadLetters");

  private final int maxBytes;
  private final int maxDepth;

  private ParseEvents(int maxBytes, int maxDepth) {
    if (maxBytes < 1 || maxDepth < 1) {
      throw new IllegalArgumentException("maxBytes and maxDepth must be positive");
    }
    this.maxBytes = maxBytes;
    this.maxDepth = maxDepth;
  }

  /**
   * Values over {@code maxBytes} become {@code TOO_LARGE} dead letters that keep only their first
   * {@code min(maxBytes, DeadLetter.MAX_KEPT_OVERSIZED_BYTES)} bytes; JSON nested deeper than
   * {@code maxDepth} levels becomes {@code TOO_DEEP}.
   */
  public static ParseEvents withLimits(int maxBytes, int maxDepth) {
    return new ParseEvents(maxBytes, maxDepth);
  }

  @Override
  public WithFailures.Result<PCollection<KV<SourceRecord, JsonNode>>, DeadLetter> expand(
      PCollection<SourceRecord> input) {
    SchemaRegistry schemas = input.getPipeline().getSchemaRegistry();
    PCollectionTuple outputs =
        input.apply(
            "Parse",
            ParDo.of(new ParseFn(maxBytes, maxDepth))
                .withOutputTags(PARSED, TupleTagList.of(FAILED)));
    PCollection<KV<SourceRecord, JsonNode>> parsed =
        outputs
            .get(PARSED)
            .setCoder(KvCoder.of(schemaCoder(schemas, SourceRecord.class), JsonNodeCoder.of()));
    PCollection<DeadLetter> failed =
        outputs.get(FAILED).setCoder(schemaCoder(schemas, DeadLetter.class));
    return WithFailures.Result.of(parsed, failed);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("maxBytes", maxBytes).withLabel("Largest value parsed, in bytes"))
        .add(DisplayData.item("maxDepth", maxDepth).withLabel("Deepest JSON nesting accepted"));
  }

  static <T> SchemaCoder<T> schemaCoder(SchemaRegistry schemas, Class<T> type) {
    try {
      return schemas.getSchemaCoder(type);
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException("No Beam schema for " + type.getName(), e);
    }
  }

  /** One counter per error code, so dashboards can break dead letters down by cause. */
  static Map<ErrorCode, Counter> deadLetterCounters() {
    Map<ErrorCode, Counter> counters = new EnumMap<>(ErrorCode.class);
    for (ErrorCode code : ErrorCode.values()) {
      counters.put(code, Metrics.counter(NAMESPACE, "dead_letters_" + code.name()));
    }
    return counters;
  }

  private static final class ParseFn extends DoFn<SourceRecord, KV<SourceRecord, JsonNode>> {
    private final int maxBytes;
    private final int maxDepth;
    private final Counter recordsRead = Metrics.counter(NAMESPACE, "records_read");
    private final Counter parsedCount = Metrics.counter(NAMESPACE, "parsed");
    private transient JsonParsing parsing;
    private transient Map<ErrorCode, Counter> deadLetters;

    ParseFn(int maxBytes, int maxDepth) {
      this.maxBytes = maxBytes;
      this.maxDepth = maxDepth;
    }

    @Setup
    public void setup() {
      parsing = JsonParsing.withLimits(maxBytes, maxDepth);
      deadLetters = deadLetterCounters();
    }

    @ProcessElement
    public void process(@Element SourceRecord record, MultiOutputReceiver out) {
      recordsRead.inc();
      JsonParsing.Outcome outcome;
      DeadLetter deadLetter;
      try {
        outcome = parsing.parse(record.value);
        deadLetter = outcome.isOk() ? null : deadLetter(record, outcome);
      } catch (RuntimeException e) {
        outcome = null;
        deadLetter =
            DeadLetter.of(record, Stage.PARSE, ErrorCode.UNEXPECTED)
                .message("unexpected " + e.getClass().getName() + " while parsing")
                .error(e)
                .build();
      }
      if (deadLetter == null) {
        parsedCount.inc();
        out.get(PARSED).output(KV.of(record, outcome.node()));
      } else {
        deadLetters.get(deadLetter.code()).inc();
        out.get(FAILED).output(deadLetter);
      }
    }

    private DeadLetter deadLetter(SourceRecord record, JsonParsing.Outcome outcome) {
      DeadLetter.Builder builder =
          DeadLetter.of(record, Stage.PARSE, outcome.code()).message(outcome.message());
      if (outcome.path() != null) {
        builder.violations(
            List.of(
                new DeadLetter.Violation(
                    outcome.path(), outcome.code().name(), outcome.message())));
      }
      if (outcome.code() == ErrorCode.TOO_LARGE) {
        builder.keepValueBytes(Math.min(maxBytes, DeadLetter.MAX_KEPT_OVERSIZED_BYTES));
      }
      return builder.build();
    }
  }
}
