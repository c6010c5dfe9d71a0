package dev.streamy.benchmarks;

import dev.streamy.transforms.Contract;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.annotation.Nullable;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * Per event-time window and group key, the metrics the contract's aggregation asks for, with the
 * columns streamy's aggregate rows have: event count, count of a flag column being true, exact
 * distinct count of a column, and sum and max of the difference of two columns. A bounded run has
 * one final pane per window and key (ON_TIME, index 0, last).
 */
final class WindowAggregates {

  private final Contract.Aggregation spec;
  private final Schema schema;
  private final long windowMillis;
  private final int[] keyFields;
  private final int flagField;
  private final int distinctField;
  private final int newField;
  private final int oldField;
  private final Map<Long, Map<List<Object>, Metrics>> windows = new HashMap<>();

  WindowAggregates(Contract contract, long windowMillis) {
    this.spec = contract.getAggregation();
    Schema events = contract.getEventSchema();
    this.schema = schema(events, spec);
    this.windowMillis = windowMillis;
    this.keyFields = spec.getGroupKeys().stream().mapToInt(events::indexOf).toArray();
    this.flagField = spec.getCountTrue() == null ? -1 : events.indexOf(spec.getCountTrue());
    this.distinctField = spec.getDistinct() == null ? -1 : events.indexOf(spec.getDistinct());
    boolean delta = spec.getDeltaName() != null && spec.getDeltaNew() != null;
    this.newField = delta ? events.indexOf(spec.getDeltaNew()) : -1;
    this.oldField = delta && spec.getDeltaOld() != null ? events.indexOf(spec.getDeltaOld()) : -1;
  }

  /**
   * The aggregate rows' schema: window and pane, the group keys (nullable), then the metrics, named
   * as streamy names them ({@code event_count}, {@code <flag>_count}, {@code
   * distinct_<column>_count}, {@code <delta>_sum}, {@code <delta>_max}).
   */
  static Schema schema(Schema events, Contract.Aggregation spec) {
    Schema.Builder schema =
        Schema.builder()
            .addDateTimeField("window_start")
            .addDateTimeField("window_end")
            .addStringField("pane_timing")
            .addInt64Field("pane_index")
            .addBooleanField("pane_is_last");
    for (String key : spec.getGroupKeys()) {
      schema.addField(Schema.Field.of(key, events.getField(key).getType().withNullable(true)));
    }
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

  Schema schema() {
    return schema;
  }

  void add(long windowStart, Row event) {
    Object[] key = new Object[keyFields.length];
    for (int i = 0; i < keyFields.length; i++) {
      key[i] = event.getValue(keyFields[i]);
    }
    Metrics metrics =
        windows
            .computeIfAbsent(windowStart, w -> new HashMap<>())
            .computeIfAbsent(Arrays.asList(key), k -> new Metrics());
    metrics.events++;
    if (flagField >= 0 && Boolean.TRUE.equals(event.getValue(flagField))) {
      metrics.flagged++;
    }
    if (distinctField >= 0) {
      Object value = event.getValue(distinctField);
      if (value != null) {
        metrics.distinct.add(value.toString());
      }
    }
    if (newField >= 0 && oldField >= 0) {
      Number newValue = event.getValue(newField);
      Number oldValue = event.getValue(oldField);
      if (newValue != null && oldValue != null) {
        long delta = newValue.longValue() - oldValue.longValue();
        metrics.deltaSum += delta;
        metrics.deltaMax = metrics.deltaMax == null ? delta : Math.max(metrics.deltaMax, delta);
      }
    }
  }

  int windows() {
    return windows.size();
  }

  /** One final row per window and key, windows in time order. */
  List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<Long, Map<List<Object>, Metrics>> window : new TreeMap<>(windows).entrySet()) {
      Instant start = new Instant(window.getKey());
      Instant end = start.plus(windowMillis);
      for (Map.Entry<List<Object>, Metrics> group : window.getValue().entrySet()) {
        Metrics metrics = group.getValue();
        Row.Builder row = Row.withSchema(schema).addValues(start, end, "ON_TIME", 0L, true);
        row.addValues(group.getKey());
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
        rows.add(row.build());
      }
    }
    return rows;
  }

  private static final class Metrics {
    long events;
    long flagged;
    final Set<String> distinct = new HashSet<>();
    long deltaSum;
    @Nullable Long deltaMax;
  }
}
