package dev.streamy.transforms.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamy.transforms.Contract;
import dev.streamy.transforms.SourceRecord;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.schemas.SchemaRegistry;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/** Builds recentchange events as validated (source record, typed row) pairs for tests. */
public final class TestEvents {

  public static final Contract CONTRACT = Contract.load(Contract.DEFAULT);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TestEvents() {}

  /** The coder of validated events, as ValidateEvents sets it. */
  public static KvCoder<SourceRecord, Row> coder() {
    try {
      return KvCoder.of(
          SchemaRegistry.createDefault().getSchemaCoder(SourceRecord.class),
          SchemaCoder.of(CONTRACT.getEventSchema()));
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A 1.0.0 recentchange event as JSON. */
  public static ObjectNode json(
      String id,
      Instant time,
      String wiki,
      String type,
      String user,
      boolean bot,
      @Nullable Long oldLength,
      @Nullable Long newLength) {
    ObjectNode event = MAPPER.createObjectNode();
    event.put("$schema", "/mediawiki/recentchange/1.0.0");
    ObjectNode meta = event.putObject("meta");
    meta.put("id", id);
    meta.put("dt", time.toString());
    meta.put("stream", "mediawiki.recentchange");
    meta.put("domain", wiki + ".example.org");
    event.put("type", type);
    event.put("wiki", wiki);
    event.put("user", user);
    event.put("bot", bot);
    event.put("title", "Page " + id.substring(0, 4));
    event.put("namespace", 0);
    if (oldLength != null || newLength != null) {
      ObjectNode length = event.putObject("length");
      length.put("old", oldLength);
      length.put("new", newLength);
    }
    return event;
  }

  /** A validated event: its source record (bytes = the JSON) and its typed row. */
  public static KV<SourceRecord, Row> event(
      long offset,
      Instant time,
      String wiki,
      String type,
      String user,
      boolean bot,
      @Nullable Long oldLength,
      @Nullable Long newLength) {
    return event(
        offset,
        json(
            UUID.nameUUIDFromBytes(Long.toString(offset).getBytes(StandardCharsets.UTF_8))
                .toString(),
            time,
            wiki,
            type,
            user,
            bot,
            oldLength,
            newLength));
  }

  /** A validated event with a chosen id (for duplicates). */
  public static KV<SourceRecord, Row> withId(String id, long offset, Instant time) {
    return event(offset, json(id, time, "enwiki", "edit", "Alice", false, 10L, 20L));
  }

  private static KV<SourceRecord, Row> event(long offset, JsonNode json) {
    SourceRecord source =
        SourceRecord.of(
            "recentchange", 0, offset, json.toString().getBytes(StandardCharsets.UTF_8));
    return KV.of(source, CONTRACT.toRow(json, source));
  }

  /** The event id of a validated event. */
  public static String id(KV<SourceRecord, Row> event) {
    return event.getValue().getString(CONTRACT.eventIdColumn());
  }
}
