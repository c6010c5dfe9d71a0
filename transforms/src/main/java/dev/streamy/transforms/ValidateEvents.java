package dev.streamy.transforms;

import com.fasterxml.jackson.databind.JsonNode;
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
 * Checks each parsed event against the contract ({@link EventRules}) and turns the valid ones into
 * typed rows of {@link Contract#eventSchema()}, timestamped with their event time; every refused
 * event becomes one {@link DeadLetter} at {@link Stage#VALIDATE}.
 */
@AutoValue
public abstract class ValidateEvents
    extends PTransform<
        PCollection<KV<SourceRecord, JsonNode>>,
        WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter>> {

  private static final TupleTag<KV<SourceRecord, Row>> VALID = new TupleTag<>("valid");
  private static final TupleTag<DeadLetter> FAILED = new TupleTag<>("deadLetters");

  /** Validates against {@code contract}; event times beyond now + {@code maxFutureSkew} fail. */
  public static ValidateEvents of(Contract contract, Duration maxFutureSkew) {
    if (maxFutureSkew.isShorterThan(Duration.ZERO)) {
      throw new IllegalArgumentException("maxFutureSkew must not be negative");
    }
    return new AutoValue_ValidateEvents.Builder()
        .setContract(contract)
        .setMaxFutureSkew(maxFutureSkew)
        .setClock(new SystemClock())
        .build();
  }

  abstract Contract getContract();

  abstract Duration getMaxFutureSkew();

  abstract SerializableSupplier<Instant> getClock();

  abstract Builder toBuilder();

  /** The same transform reading "now" from {@code clock} (tests, reproducible replays). */
  public ValidateEvents withClock(SerializableSupplier<Instant> clock) {
    return toBuilder().setClock(clock).build();
  }

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setContract(Contract contract);

    abstract Builder setMaxFutureSkew(Duration maxFutureSkew);

    abstract Builder setClock(SerializableSupplier<Instant> clock);

    abstract ValidateEvents build();
  }

  @Override
  public WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> expand(
      PCollection<KV<SourceRecord, JsonNode>> input) {
    Contract contract = getContract();
    PCollectionTuple outputs =
        input.apply(
            "Validate",
            ParDo.of(new ValidateFn(contract, getMaxFutureSkew(), getClock()))
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
        .add(DisplayData.item("contract", getContract().id()))
        .add(
            DisplayData.item("maxFutureSkew", getMaxFutureSkew()).withLabel("Accepted clock skew"));
  }

  private static final class SystemClock implements SerializableSupplier<Instant> {
    @Override
    public Instant get() {
      return Instant.now();
    }
  }

  /** One event checked: its verdict and row when valid, else the dead letter saying why not. */
  static final class Checked {
    final @Nullable EventRules.Verdict verdict;
    final @Nullable Row row;
    final @Nullable DeadLetter deadLetter;

    private Checked(
        @Nullable EventRules.Verdict verdict, @Nullable Row row, @Nullable DeadLetter deadLetter) {
      this.verdict = verdict;
      this.row = row;
      this.deadLetter = deadLetter;
    }
  }

  /** The contract's rules applied to one parsed event; never throws for the event's content. */
  static Checked check(
      EventRules rules,
      Contract contract,
      SourceRecord source,
      JsonNode event,
      SerializableSupplier<Instant> clock) {
    EventRules.Verdict verdict = null;
    try {
      verdict = rules.check(event, clock.get());
      if (verdict.isValid()) {
        return new Checked(verdict, contract.toRow(event, source), null);
      }
      return new Checked(
          verdict,
          null,
          DeadLetter.of(source, Stage.VALIDATE, verdict.getCode())
              .setMessage(verdict.getMessage())
              .setViolations(verdict.getViolations())
              .setEventId(verdict.getEventId())
              .build());
    } catch (RuntimeException e) {
      return new Checked(
          verdict,
          null,
          DeadLetter.of(source, Stage.VALIDATE, ErrorCode.UNEXPECTED)
              .setMessage("unexpected " + e.getClass().getName() + " while validating")
              .setEventId(verdict != null ? verdict.getEventId() : safeEventId(rules, event))
              .error(e)
              .build());
    }
  }

  private static @Nullable String safeEventId(EventRules rules, JsonNode event) {
    try {
      return rules.eventId(event);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static final class ValidateFn
      extends DoFn<KV<SourceRecord, JsonNode>, KV<SourceRecord, Row>> {
    private final Contract contract;
    private final Duration maxFutureSkew;
    private final SerializableSupplier<Instant> clock;
    private final Counter valid = StreamyCounters.counter(StreamyCounters.EVENTS_VALID);
    private final Counter unknownFields =
        StreamyCounters.counter(StreamyCounters.EVENTS_WITH_UNKNOWN_FIELDS);
    private transient EventRules rules;
    private transient Map<ErrorCode, Counter> deadLetters;

    ValidateFn(Contract contract, Duration maxFutureSkew, SerializableSupplier<Instant> clock) {
      this.contract = contract;
      this.maxFutureSkew = maxFutureSkew;
      this.clock = clock;
    }

    @Setup
    public void setup() {
      rules = new EventRules(contract, maxFutureSkew);
      deadLetters = StreamyCounters.deadLetterCounters();
    }

    @ProcessElement
    public void process(@Element KV<SourceRecord, JsonNode> element, MultiOutputReceiver out) {
      Checked checked = check(rules, contract, element.getKey(), element.getValue(), clock);
      if (checked.deadLetter == null) {
        valid.inc();
        if (checked.verdict.hasUnknownFields()) {
          unknownFields.inc();
        }
        out.get(VALID)
            .outputWithTimestamp(
                KV.of(element.getKey(), checked.row), checked.verdict.getEventTime());
      } else {
        deadLetters.get(checked.deadLetter.code()).inc();
        out.get(FAILED).output(checked.deadLetter);
      }
    }

    /**
     * Valid events are re-stamped with the event time from their payload, which is usually earlier
     * than the Kafka timestamp they arrived with, so outputs must be allowed to move backwards in
     * time; lateness is judged later, by the windowing step.
     */
    @Override
    @SuppressWarnings("deprecation")
    public Duration getAllowedTimestampSkew() {
      return Duration.millis(Long.MAX_VALUE);
    }
  }
}
