package dev.streamy.transforms;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.auto.value.AutoValue;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.metrics.Counter;
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
@AutoValue
public abstract class ParseEvents
    extends PTransform<
        PCollection<SourceRecord>,
        WithFailures.Result<PCollection<KV<SourceRecord, JsonNode>>, DeadLetter>> {

  private static final TupleTag<KV<SourceRecord, JsonNode>> PARSED = new TupleTag<>("parsed");
  private static final TupleTag<DeadLetter> FAILED = new TupleTag<>("deadLetters");

  /**
   * Values over {@code maxBytes} become {@code TOO_LARGE} dead letters that keep only their first
   * {@code min(maxBytes, DeadLetter.MAX_KEPT_OVERSIZED_BYTES)} bytes; JSON nested deeper than
   * {@code maxDepth} levels becomes {@code TOO_DEEP}.
   */
  public static ParseEvents withLimits(int maxBytes, int maxDepth) {
    if (maxBytes < 1 || maxDepth < 1) {
      throw new IllegalArgumentException("maxBytes and maxDepth must be positive");
    }
    return new AutoValue_ParseEvents(maxBytes, maxDepth);
  }

  abstract int getMaxBytes();

  abstract int getMaxDepth();

  @Override
  public WithFailures.Result<PCollection<KV<SourceRecord, JsonNode>>, DeadLetter> expand(
      PCollection<SourceRecord> input) {
    PCollectionTuple outputs =
        input.apply(
            "Parse",
            ParDo.of(new ParseFn(getMaxBytes(), getMaxDepth()))
                .withOutputTags(PARSED, TupleTagList.of(FAILED)));
    PCollection<KV<SourceRecord, JsonNode>> parsed =
        outputs.get(PARSED).setCoder(KvCoder.of(SourceRecord.coder(), JsonNodeCoder.of()));
    PCollection<DeadLetter> failed = outputs.get(FAILED).setCoder(DeadLetter.coder());
    return WithFailures.Result.of(parsed, failed);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(
            DisplayData.item("maxBytes", getMaxBytes()).withLabel("Largest value parsed, in bytes"))
        .add(
            DisplayData.item("maxDepth", getMaxDepth()).withLabel("Deepest JSON nesting accepted"));
  }

  private static final class ParseFn extends DoFn<SourceRecord, KV<SourceRecord, JsonNode>> {
    private final int maxBytes;
    private final int maxDepth;
    private final Counter recordsRead = StreamyCounters.counter(StreamyCounters.RECORDS_READ);
    private final Counter parsedCount = StreamyCounters.counter(StreamyCounters.PARSED);
    private transient JsonParsing parsing;
    private transient Map<ErrorCode, Counter> deadLetters;

    ParseFn(int maxBytes, int maxDepth) {
      this.maxBytes = maxBytes;
      this.maxDepth = maxDepth;
    }

    @Setup
    public void setup() {
      parsing = JsonParsing.withLimits(maxBytes, maxDepth);
      deadLetters = StreamyCounters.deadLetterCounters();
    }

    @ProcessElement
    public void process(@Element SourceRecord record, MultiOutputReceiver out) {
      recordsRead.inc();
      Parsed parsed = parse(parsing, record);
      if (parsed.deadLetter == null) {
        parsedCount.inc();
        out.get(PARSED).output(KV.of(record, parsed.node));
      } else {
        deadLetters.get(parsed.deadLetter.code()).inc();
        out.get(FAILED).output(parsed.deadLetter);
      }
    }
  }

  /** One record parsed: its JSON tree, or the dead letter saying why there is none. */
  static final class Parsed {
    final @Nullable JsonNode node;
    final @Nullable DeadLetter deadLetter;

    private Parsed(@Nullable JsonNode node, @Nullable DeadLetter deadLetter) {
      this.node = node;
      this.deadLetter = deadLetter;
    }
  }

  /** The parse rules applied to one record; never throws for the record's content. */
  static Parsed parse(JsonParsing parsing, SourceRecord record) {
    try {
      JsonParsing.Outcome outcome = parsing.parse(record.getValue());
      return outcome.isOk()
          ? new Parsed(outcome.getNode(), null)
          : new Parsed(null, deadLetter(record, outcome, parsing.maxBytes()));
    } catch (RuntimeException e) {
      return new Parsed(
          null,
          DeadLetter.of(record, Stage.PARSE, ErrorCode.UNEXPECTED)
              .setMessage("unexpected " + e.getClass().getName() + " while parsing")
              .error(e)
              .build());
    }
  }

  private static DeadLetter deadLetter(
      SourceRecord record, JsonParsing.Outcome outcome, int maxBytes) {
    ErrorCode code = outcome.getCode();
    DeadLetter.Builder builder =
        DeadLetter.of(record, Stage.PARSE, code).setMessage(outcome.getMessage());
    if (outcome.getPath() != null) {
      builder.setViolations(
          List.of(
              DeadLetter.Violation.create(outcome.getPath(), code.name(), outcome.getMessage())));
    }
    if (code == ErrorCode.TOO_LARGE) {
      builder.keepValueBytes(Math.min(maxBytes, DeadLetter.MAX_KEPT_OVERSIZED_BYTES));
    }
    return builder.build();
  }
}
