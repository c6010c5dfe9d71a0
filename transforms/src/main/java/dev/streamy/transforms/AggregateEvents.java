package dev.streamy.transforms;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.VarInt;
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

  /** The columns the metrics read: only these travel from the events into the combine. */
  private static Schema inputSchema(Schema events, Contract.Aggregation spec) {
    Schema.Builder inputs = Schema.builder();
    for (String column : spec.metricColumns()) {
      inputs.addField(events.getField(column));
    }
    return inputs.build();
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
    Schema inputs = inputSchema(eventSchema, spec);
    Schema output = outputSchema(eventSchema, spec);
    return events
        .apply("KeyByGroup", ParDo.of(new KeyByGroupFn(keys, inputs)))
        .setCoder(KvCoder.of(SchemaCoder.of(keys), SchemaCoder.of(inputs)))
        .apply("ComputeMetrics", Combine.perKey(new MetricsFn(spec)))
        .apply("ToAggregateRow", ParDo.of(new ToRowFn(output, spec)))
        .setRowSchema(output);
  }

  /** Each event as its group key and the few columns the metrics read. */
  private static final class KeyByGroupFn extends DoFn<Row, KV<Row, Row>> {
    private final Schema keys;
    private final Schema inputs;

    KeyByGroupFn(Schema keys, Schema inputs) {
      this.keys = keys;
      this.inputs = inputs;
    }

    // Where the projected columns sit in the events' schema; found at the first event.
    private transient @Nullable Schema eventSchema;
    private transient int[] keyColumns;
    private transient int[] inputColumns;

    @ProcessElement
    public void process(@Element Row event, OutputReceiver<KV<Row, Row>> out) {
      if (event.getSchema() != eventSchema) {
        eventSchema = event.getSchema();
        keyColumns = positions(eventSchema, keys);
        inputColumns = positions(eventSchema, inputs);
      }
      out.output(KV.of(project(event, keys, keyColumns), project(event, inputs, inputColumns)));
    }

    private static int[] positions(Schema events, Schema projected) {
      return projected.getFields().stream().mapToInt(f -> events.indexOf(f.getName())).toArray();
    }

    /**
     * The values are attached as they are: they come from a validated event of the same field
     * types, so the builder's per-value checks (a tenth of the aggregation's cost) add nothing.
     */
    private static Row project(Row event, Schema schema, int[] columns) {
      List<Object> values = new ArrayList<>(columns.length);
      for (int column : columns) {
        values.add(event.getValue(column));
      }
      return Row.withSchema(schema).attachValues(values);
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
      return MetricsCoder.INSTANCE;
    }

    @Override
    public Coder<Metrics> getDefaultOutputCoder(CoderRegistry registry, Coder<Row> inputCoder) {
      return MetricsCoder.INSTANCE;
    }
  }

  /**
   * Metrics as numbers and the distinct values, without Java serialization: runners encode an
   * accumulator per key and bundle when they combine before a shuffle.
   */
  static final class MetricsCoder extends AtomicCoder<Metrics> {
    static final MetricsCoder INSTANCE = new MetricsCoder();
    private static final StringUtf8Coder STRINGS = StringUtf8Coder.of();

    @Override
    public void encode(Metrics metrics, OutputStream out) throws IOException {
      VarInt.encode(metrics.events, out);
      VarInt.encode(metrics.flagged, out);
      VarInt.encode(metrics.distinct.size(), out);
      for (String value : metrics.distinct) {
        STRINGS.encode(value, out);
      }
      VarInt.encode(metrics.deltaSum, out);
      out.write(metrics.deltaMax == null ? 0 : 1);
      if (metrics.deltaMax != null) {
        VarInt.encode(metrics.deltaMax, out);
      }
    }

    @Override
    public Metrics decode(InputStream in) throws IOException {
      Metrics metrics = new Metrics();
      metrics.events = VarInt.decodeLong(in);
      metrics.flagged = VarInt.decodeLong(in);
      int distinct = VarInt.decodeInt(in);
      for (int i = 0; i < distinct; i++) {
        metrics.distinct.add(STRINGS.decode(in));
      }
      metrics.deltaSum = VarInt.decodeLong(in);
      int hasMax = in.read();
      if (hasMax < 0) {
        throw new CoderException("truncated metrics");
      }
      metrics.deltaMax = hasMax == 1 ? VarInt.decodeLong(in) : null;
      return metrics;
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
