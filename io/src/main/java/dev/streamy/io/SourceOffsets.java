package dev.streamy.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.annotation.Nullable;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * The Kafka records a set of rows came from: per source topic-partition, the first and last offset
 * and how many rows. Sinks record it beside what they commit (an Iceberg snapshot's summary, a
 * Parquet pane's manifest), so a reader can tell which source offsets a commit covers without
 * reading its rows; events and dead letters carry their source coordinates, aggregates do not.
 *
 * <p>Written as JSON, keyed {@code <topic>/<partition>} in order: {@code {"wiki/0": {"first": 10,
 * "last": 99, "rows": 87}}}. Offsets are a range, not a set: a range's other offsets went to
 * another sink (a valid event's offset is never a dead letter's), were duplicates, or are elsewhere
 * in the stream's windows.
 */
final class SourceOffsets implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Per "topic/partition": {first, last, rows}. */
  private final TreeMap<String, long[]> ranges = new TreeMap<>();

  // The range the last row went to: rows of one partition tend to come together.
  private transient @Nullable String lastTopic;
  private transient int lastPartition;
  private transient @Nullable long[] lastRange;

  /** Adds one row from {@code offset} of {@code topic} partition {@code partition}. */
  void add(String topic, int partition, long offset) {
    long[] range = lastRange;
    if (range == null || partition != lastPartition || !topic.equals(lastTopic)) {
      String key = topic + "/" + partition;
      range = ranges.get(key);
      if (range == null) {
        range = new long[] {offset, offset, 0};
        ranges.put(key, range);
      }
      lastTopic = topic;
      lastPartition = partition;
      lastRange = range;
    }
    range[0] = Math.min(range[0], offset);
    range[1] = Math.max(range[1], offset);
    range[2]++;
  }

  /** Adds every range of {@code other}. */
  void addAll(SourceOffsets other) {
    other.ranges.forEach((key, range) -> add(key, range[0], range[1], range[2]));
  }

  private void add(String key, long first, long last, long rows) {
    long[] range = ranges.get(key);
    if (range == null) {
      ranges.put(key, new long[] {first, last, rows});
    } else {
      range[0] = Math.min(range[0], first);
      range[1] = Math.max(range[1], last);
      range[2] += rows;
    }
  }

  boolean isEmpty() {
    return ranges.isEmpty();
  }

  /** The ranges as one JSON object, as the Iceberg summary keeps them. */
  String toJson() {
    StringWriter text = new StringWriter();
    try (JsonGenerator json = JSON.getFactory().createGenerator(text)) {
      write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  /** Writes the ranges as one JSON object at the generator's position. */
  void write(JsonGenerator json) throws IOException {
    json.writeStartObject();
    for (Map.Entry<String, long[]> entry : ranges.entrySet()) {
      json.writeObjectFieldStart(entry.getKey());
      json.writeNumberField("first", entry.getValue()[0]);
      json.writeNumberField("last", entry.getValue()[1]);
      json.writeNumberField("rows", entry.getValue()[2]);
      json.writeEndObject();
    }
    json.writeEndObject();
  }

  /** Reads what {@link #toJson} wrote. */
  static SourceOffsets fromJson(String text) {
    SourceOffsets offsets = new SourceOffsets();
    try {
      JsonNode root = JSON.readTree(text);
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        JsonNode range = entry.getValue();
        offsets.add(
            entry.getKey(),
            range.path("first").asLong(),
            range.path("last").asLong(),
            range.path("rows").asLong());
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not source offsets: " + e.getMessage(), e);
    }
    return offsets;
  }

  /** {first, last, rows} of {@code topic} partition {@code partition}, or null. */
  @Nullable
  long[] range(String topic, int partition) {
    long[] range = ranges.get(topic + "/" + partition);
    return range == null ? null : range.clone();
  }

  @Override
  public String toString() {
    return toJson();
  }

  /**
   * Where a row schema keeps its source coordinates: the event columns ({@code _topic}, {@code
   * _partition}, {@code _offset}) or the dead-letter fields ({@code topic}, {@code partition},
   * {@code offset}).
   */
  static final class Columns implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final String[][] NAMES = {
      {"_topic", "_partition", "_offset"}, {"topic", "partition", "offset"}
    };

    final String topic;
    final String partition;
    final String offset;
    private final int[] indices;

    private Columns(String[] names, int[] indices) {
      this.topic = names[0];
      this.partition = names[1];
      this.offset = names[2];
      this.indices = indices;
    }

    /** The coordinate columns of {@code schema}, or null when it has none (aggregates). */
    static @Nullable Columns of(Schema schema) {
      for (String[] names : NAMES) {
        if (schema.hasField(names[0]) && schema.hasField(names[1]) && schema.hasField(names[2])) {
          return new Columns(
              names,
              new int[] {
                schema.indexOf(names[0]), schema.indexOf(names[1]), schema.indexOf(names[2])
              });
        }
      }
      return null;
    }

    /** The names of the coordinate columns among {@code fieldNames}, or null. */
    static @Nullable String[] namesAmong(Collection<String> fieldNames) {
      for (String[] names : NAMES) {
        if (fieldNames.containsAll(List.of(names))) {
          return names.clone();
        }
      }
      return null;
    }

    /** Adds {@code row}'s coordinates to {@code offsets}; a row without them adds nothing. */
    void addTo(SourceOffsets offsets, Row row) {
      String t = row.getValue(indices[0]);
      Integer p = row.getValue(indices[1]);
      Long o = row.getValue(indices[2]);
      if (t != null && p != null && o != null) {
        offsets.add(t, p, o);
      }
    }
  }
}
