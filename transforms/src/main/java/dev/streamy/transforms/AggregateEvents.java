package dev.streamy.transforms;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import java.util.HashSet;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * Per window and group key (the contract's, e.g. wiki x type): event count, count of events whose
 * flag column is true (bots), exact distinct count of one column (users), and sum and max of a
 * difference of two columns (bytes changed = length.new - length.old, where both are present).
 *
 * <p>The metrics know nothing of windows: the input's windowing decides which panes come out. Each
 * output row names its window and its pane (index, EARLY/ON_TIME/LATE, last or not); with
 * accumulating panes the row with the highest pane index of a window and key is its exact total.
 */
@AutoValue
public abstract class AggregateEvents extends PTransform<PCollection<Row>, PCollection<Row>> {

  /** Aggregates as the contract's mapping says. */
  public static AggregateEvents of(Contract contract) {
    return new AutoValue_AggregateEvents(contract.getAggregation());
  }

  abstract Contract.Aggregation getSpec();

  /** The schema of the aggregate rows for a contract, derived from its aggregation spec. */
  public static Schema outputSchema(Contract contract) {
    return outputSchema(contract.getEventSchema(), contract.getAggregation());
  }

  private static Schema keySchema(Schema events, Contract.Aggregation spec) {
    Schema.Builder keys = Schema.builder();
    for (String key : spec.getGroupKeys()) {
      keys.addField(Schema.Field.of(key, events.getField(key).getType().withNullable(true)));
    }
    return keys.build();
  }

  private static Schema outputSchema(Schema events, Contract.Aggregation spec) {
    Schema.Builder schema =
        Schema.builder()
            .addDateTimeField("window_start")
            .addDateTimeField("window_end")
            .addStringField("pane_timing")
            .addInt64Field("pane_index")
            .addBooleanField("pane_is_last");
    keySchema(events, spec).getFields().forEach(schema::addField);
    schema.addInt64Field("event_count");
    if (spec.getCountTrue() != null) {
      schema.addInt64Field(spec.getCountTrue() + "_count");
    }
    if (spec.getDistinct() != null) {
      schema.addInt64Field("distinct_" + spec.getDistinct() + "_count");
    }
    if (spec.getDeltaName() != null) {
      schema.addNullableField(spec.getDeltaName() + "_sum", Schema.FieldType.INT64);
      schema.addNullableField(spec.getDeltaName() + "_max", Schema.FieldType.INT64);
    }
    return schema.build();
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> events) {
    Schema eventSchema = events.getSchema();
    Contract.Aggregation spec = getSpec();
    Schema keys = keySchema(eventSchema, spec);
    Schema output = outputSchema(eventSchema, spec);
    return events
        .apply("KeyByGroup", ParDo.of(new KeyByGroupFn(keys)))
        .setCoder(KvCoder.of(SchemaCoder.of(keys), SchemaCoder.of(eventSchema)))
        .apply("ComputeMetrics", Combine.perKey(new MetricsFn(spec)))
        .apply("ToAggregateRow", ParDo.of(new ToRowFn(output, spec)))
        .setRowSchema(output);
  }

  private static final class KeyByGroupFn extends DoFn<Row, KV<Row, Row>> {
    private final Schema keys;

    KeyByGroupFn(Schema keys) {
      this.keys = keys;
    }

    @ProcessElement
    public void process(@Element Row event, OutputReceiver<KV<Row, Row>> out) {
      Row.Builder key = Row.withSchema(keys);
      for (Schema.Field field : keys.getFields()) {
        key.addValue(event.getValue(field.getName()));
      }
      out.output(KV.of(key.build(), event));
    }
  }

  /** Running metrics of one window and key; small apart from the distinct set. */
  static final class Metrics implements Serializable {
    long events;
    long flagged;
    final Set<String> distinct = new HashSet<>();
    long deltaSum;
    @Nullable Long deltaMax;

    // Value equality lets runners check that an accumulator was not mutated behind their back.
    @Override
    public boolean equals(@Nullable Object o) {
      if (!(o instanceof Metrics)) {
        return false;
      }
      Metrics m = (Metrics) o;
      return events == m.events
          && flagged == m.flagged
          && distinct.equals(m.distinct)
          && deltaSum == m.deltaSum
          && java.util.Objects.equals(deltaMax, m.deltaMax);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(events, flagged, distinct, deltaSum, deltaMax);
    }
  }

  static final class MetricsFn extends Combine.CombineFn<Row, Metrics, Metrics> {
    private final Contract.Aggregation spec;

    MetricsFn(Contract.Aggregation spec) {
      this.spec = spec;
    }

    @Override
    public Metrics createAccumulator() {
      return new Metrics();
    }

    @Override
    public Metrics addInput(Metrics metrics, Row event) {
      metrics.events++;
      if (spec.getCountTrue() != null
          && Boolean.TRUE.equals(event.getBoolean(spec.getCountTrue()))) {
        metrics.flagged++;
      }
      if (spec.getDistinct() != null) {
        Object value = event.getValue(spec.getDistinct());
        if (value != null) {
          metrics.distinct.add(value.toString());
        }
      }
      if (spec.getDeltaNew() != null && spec.getDeltaOld() != null) {
        Number newValue = event.getValue(spec.getDeltaNew());
        Number oldValue = event.getValue(spec.getDeltaOld());
        if (newValue != null && oldValue != null) {
          addDelta(metrics, newValue.longValue() - oldValue.longValue());
        }
      }
      return metrics;
    }

    private static void addDelta(Metrics metrics, long delta) {
      metrics.deltaSum += delta;
      metrics.deltaMax = metrics.deltaMax == null ? delta : Math.max(metrics.deltaMax, delta);
    }

    @Override
    public Metrics mergeAccumulators(Iterable<Metrics> all) {
      Metrics merged = new Metrics();
      for (Metrics m : all) {
        merged.events += m.events;
        merged.flagged += m.flagged;
        merged.distinct.addAll(m.distinct);
        merged.deltaSum += m.deltaSum;
        if (m.deltaMax != null) {
          merged.deltaMax =
              merged.deltaMax == null ? m.deltaMax : Math.max(merged.deltaMax, m.deltaMax);
        }
      }
      return merged;
    }

    @Override
    public Metrics extractOutput(Metrics metrics) {
      return metrics;
    }

    @Override
    public Coder<Metrics> getAccumulatorCoder(CoderRegistry registry, Coder<Row> inputCoder) {
      return SerializableCoder.of(Metrics.class);
    }

    @Override
    public Coder<Metrics> getDefaultOutputCoder(CoderRegistry registry, Coder<Row> inputCoder) {
      return SerializableCoder.of(Metrics.class);
    }
  }

  private static final class ToRowFn extends DoFn<KV<Row, Metrics>, Row> {
    private final Schema output;
    private final Contract.Aggregation spec;

    ToRowFn(Schema output, Contract.Aggregation spec) {
      this.output = output;
      this.spec = spec;
    }

    /**
     * A pane's timing as readers should see it. Runners that evaluate a bounded window once, after
     * all its input, without running triggers (Flink's batch combine) report {@code NO_FIRING}: the
     * one, final pane, which is what ON_TIME means for the reader of a bounded run.
     */
    private static PaneInfo.Timing timing(PaneInfo pane) {
      boolean onlyPane = pane.isFirst() && pane.isLast() && pane.getIndex() == 0;
      return pane.getTiming() == PaneInfo.Timing.UNKNOWN && onlyPane
          ? PaneInfo.Timing.ON_TIME
          : pane.getTiming();
    }

    @ProcessElement
    public void process(
        @Element KV<Row, Metrics> keyed,
        BoundedWindow window,
        PaneInfo pane,
        OutputReceiver<Row> out) {
      Instant start = window.maxTimestamp();
      Instant end = window.maxTimestamp();
      if (window instanceof IntervalWindow) {
        start = ((IntervalWindow) window).start();
        end = ((IntervalWindow) window).end();
      }
      Metrics metrics = keyed.getValue();
      Row.Builder row =
          Row.withSchema(output)
              .addValues(start, end, timing(pane).name(), pane.getIndex(), pane.isLast());
      row.addValues(keyed.getKey().getValues());
      row.addValue(metrics.events);
      if (spec.getCountTrue() != null) {
        row.addValue(metrics.flagged);
      }
      if (spec.getDistinct() != null) {
        row.addValue((long) metrics.distinct.size());
      }
      if (spec.getDeltaName() != null) {
        row.addValue(metrics.deltaMax == null ? null : metrics.deltaSum);
        row.addValue(metrics.deltaMax);
      }
      out.output(row.build());
    }
  }
}
