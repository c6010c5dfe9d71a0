package dev.streamy.transforms;

import com.google.auto.value.AutoValue;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.util.SerializableSupplier;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * {@link ParseEvents} then {@link ValidateEvents} in one step: the same rules, dead letters (stage
 * PARSE or VALIDATE, the same codes) and counters, but the JSON tree of a record never leaves the
 * step. Between two steps a runner may encode it (Flink does at every multi-output step of a batch
 * job, and without object reuse between any two); here it is built, checked and turned into the
 * typed row in one call. The ingest pipeline uses this; the two composites remain for pipelines
 * that want the tree.
 */
@AutoValue
public abstract class CheckEvents
    extends PTransform<
        PCollection<SourceRecord>,
        WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter>> {

  private static final TupleTag<KV<SourceRecord, Row>> VALID = new TupleTag<>("valid");
  private static final TupleTag<DeadLetter> FAILED = new TupleTag<>("deadLetters");

  /** {@link ParseEvents#withLimits} and {@link ValidateEvents#of}, fused. */
  public static CheckEvents of(ParseEvents parse, Contract contract, Duration maxFutureSkew) {
    ValidateEvents validate = ValidateEvents.of(contract, maxFutureSkew);
    return new AutoValue_CheckEvents(parse, validate, true, ErrorBudget.OFF);
  }

  abstract ParseEvents getParse();

  abstract ValidateEvents getValidate();

  abstract boolean getKeepsPayload();

  abstract ErrorBudget getErrorBudget();

  /** The same transform reading "now" from {@code clock} (tests, reproducible replays). */
  public CheckEvents withClock(SerializableSupplier<Instant> clock) {
    return new AutoValue_CheckEvents(
        getParse(), getValidate().withClock(clock), getKeepsPayload(), getErrorBudget());
  }

  /**
   * The same transform, but each valid event's record keeps only its coordinates ({@link
   * SourceRecord#withoutPayload}), for pipelines in which no later step dead-letters an event. The
   * payload is most of a record's bytes, and every shuffle after this step would encode it again.
   */
  public CheckEvents withoutPayload() {
    return new AutoValue_CheckEvents(getParse(), getValidate(), false, getErrorBudget());
  }

  /**
   * The same transform, failing with an {@link ErrorBudgetExceededException} (as {@code budget}
   * wraps it) once the share of dead letters among the records each instance saw over the budget's
   * window passes it. Counts the dead letters of this step: every code but {@code TS_LATE}.
   */
  public CheckEvents withErrorBudget(ErrorBudget budget) {
    return new AutoValue_CheckEvents(getParse(), getValidate(), getKeepsPayload(), budget);
  }

  @Override
  public WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> expand(
      PCollection<SourceRecord> input) {
    ValidateEvents validate = getValidate();
    Contract contract = validate.getContract();
    PCollectionTuple outputs =
        input.apply(
            "ParseAndValidate",
            ParDo.of(
                    new CheckFn(
                        getParse().getMaxBytes(),
                        getParse().getMaxDepth(),
                        contract,
                        validate.getMaxFutureSkew(),
                        validate.getClock(),
                        getKeepsPayload(),
                        getErrorBudget()))
                .withOutputTags(VALID, TupleTagList.of(FAILED)));
    PCollection<KV<SourceRecord, Row>> valid =
        outputs
            .get(VALID)
            .setCoder(KvCoder.of(SourceRecord.coder(), RowCoder.of(contract.getEventSchema())));
    PCollection<DeadLetter> failed = outputs.get(FAILED).setCoder(DeadLetter.coder());
    return WithFailures.Result.of(valid, failed);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .include("parse", getParse())
        .include("validate", getValidate())
        .add(DisplayData.item("errorBudget", getErrorBudget().toString()));
  }

  private static final class CheckFn extends DoFn<SourceRecord, KV<SourceRecord, Row>> {
    private final int maxBytes;
    private final int maxDepth;
    private final Contract contract;
    private final Duration maxFutureSkew;
    private final SerializableSupplier<Instant> clock;
    private final boolean keepsPayload;
    private final ErrorBudget errorBudget;
    private final Counter recordsRead = StreamyCounters.counter(StreamyCounters.RECORDS_READ);
    private final Counter parsed = StreamyCounters.counter(StreamyCounters.PARSED);
    private final Counter valid = StreamyCounters.counter(StreamyCounters.EVENTS_VALID);
    private final Counter unknownFields =
        StreamyCounters.counter(StreamyCounters.EVENTS_WITH_UNKNOWN_FIELDS);
    private transient JsonParsing parsing;
    private transient EventRules rules;
    private transient Map<ErrorCode, Counter> deadLetters;

    /** This instance's window of the budget; null when the budget is off. */
    private transient @Nullable ErrorBudgetWindow budget;

    CheckFn(
        int maxBytes,
        int maxDepth,
        Contract contract,
        Duration maxFutureSkew,
        SerializableSupplier<Instant> clock,
        boolean keepsPayload,
        ErrorBudget errorBudget) {
      this.maxBytes = maxBytes;
      this.maxDepth = maxDepth;
      this.contract = contract;
      this.maxFutureSkew = maxFutureSkew;
      this.clock = clock;
      this.keepsPayload = keepsPayload;
      this.errorBudget = errorBudget;
    }

    @Setup
    public void setup() {
      parsing = JsonParsing.withLimits(maxBytes, maxDepth);
      rules = new EventRules(contract, maxFutureSkew);
      deadLetters = StreamyCounters.deadLetterCounters();
      budget = errorBudget.isOn() ? errorBudget.newWindow() : null;
    }

    @ProcessElement
    public void process(@Element SourceRecord record, MultiOutputReceiver out) {
      recordsRead.inc();
      ParseEvents.Parsed tree = ParseEvents.parse(parsing, record);
      if (tree.deadLetter != null) {
        deadLetters.get(tree.deadLetter.code()).inc();
        out.get(FAILED).output(tree.deadLetter);
        countDeadLetter(tree.deadLetter);
        return;
      }
      parsed.inc();
      ValidateEvents.Checked checked =
          ValidateEvents.check(rules, contract, record, tree.node, clock);
      if (checked.deadLetter != null) {
        deadLetters.get(checked.deadLetter.code()).inc();
        out.get(FAILED).output(checked.deadLetter);
        countDeadLetter(checked.deadLetter);
        return;
      }
      valid.inc();
      if (budget != null) {
        budget.event(System.currentTimeMillis());
      }
      if (checked.verdict.hasUnknownFields()) {
        unknownFields.inc();
      }
      out.get(VALID)
          .outputWithTimestamp(
              KV.of(keepsPayload ? record : record.withoutPayload(), checked.row),
              checked.verdict.getEventTime());
    }

    /**
     * Throws once the budget is blown. The bundle then fails as a whole: the runner commits none of
     * its output and no offset past it, so the records it held are read again by the next run.
     */
    private void countDeadLetter(DeadLetter deadLetter) {
      if (budget != null) {
        budget.deadLetter(deadLetter.code(), System.currentTimeMillis());
      }
    }

    /**
     * Valid events are re-stamped with their (usually earlier) event time, as in ValidateEvents.
     */
    @Override
    @SuppressWarnings("deprecation")
    public Duration getAllowedTimestampSkew() {
      return Duration.millis(Long.MAX_VALUE);
    }
  }
}
