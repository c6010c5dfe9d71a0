package dev.streamy.generator;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.auto.value.AutoValue;
import dev.streamy.generator.EventFactory.Expected;
import dev.streamy.generator.EventFactory.Kind;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * What the generator sent, one NDJSON line per record that Kafka acknowledged:
 *
 * <pre>{"partition":0,"offset":17,"kind":"GOOD","expected":"EVENT","eventId":"0416300b-..."}</pre>
 *
 * <p>{@code expected} is {@code EVENT}, {@code DEDUPED} or {@code DLQ:<ErrorCode>}; {@code eventId}
 * is the {@code meta.id} the record carries (or was made from), else null. A checker uses it to
 * prove {@code produced = valid rows + duplicates + dead letters}, record by record.
 */
public final class Ledger {

  private static final JsonFactory JSON = new JsonFactory();

  private Ledger() {}

  /**
   * One record the generator sent and Kafka acknowledged. {@code expected} is kept as the ledger
   * writes it ({@code EVENT}, {@code DEDUPED}, {@code DLQ:<CODE>}) so it compares directly with
   * error-code strings read back from the sinks; {@link #expectedOutcome()} gives it typed.
   */
  @AutoValue
  public abstract static class Entry {

    public abstract int partition();

    public abstract long offset();

    public abstract Kind kind();

    public abstract String expected();

    public abstract @Nullable String eventId();

    /**
     * An entry as read from a ledger line.
     *
     * @throws IllegalArgumentException when {@code expected} is not a well-formed expectation
     */
    public static Entry create(
        int partition, long offset, Kind kind, String expected, @Nullable String eventId) {
      Objects.requireNonNull(kind, "kind");
      Expected.parse(Objects.requireNonNull(expected, "expected")); // well formed or throws
      return new AutoValue_Ledger_Entry(partition, offset, kind, expected, eventId);
    }

    /** An entry for a record of {@code kind}, expecting what the kind expects. */
    public static Entry of(int partition, long offset, Kind kind, @Nullable String eventId) {
      return create(partition, offset, kind, kind.expected().toString(), eventId);
    }

    /** {@link #expected()}, typed. */
    public Expected expectedOutcome() {
      return Expected.parse(expected());
    }

    /** The line of this entry, without the line break. */
    public String toJson() {
      StringWriter out = new StringWriter();
      try (JsonGenerator json = JSON.createGenerator(out)) {
        json.writeStartObject();
        json.writeNumberField("partition", partition());
        json.writeNumberField("offset", offset());
        json.writeStringField("kind", kind().name());
        json.writeStringField("expected", expected());
        json.writeStringField("eventId", eventId());
        json.writeEndObject();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toString();
    }

    /** Reads one ledger line. */
    public static Entry fromJson(String line) {
      try {
        JsonNode node = Json.MAPPER.readTree(line);
        JsonNode id = node.path("eventId");
        return create(
            node.get("partition").asInt(),
            node.get("offset").asLong(),
            Kind.valueOf(node.get("kind").asText()),
            node.get("expected").asText(),
            id.isTextual() ? id.asText() : null);
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException("not a ledger line: " + abbreviate(line), e);
      }
    }
  }

  /** All entries of a ledger file, in file order (the order Kafka acknowledged them). */
  public static List<Entry> read(Path path) throws IOException {
    List<Entry> entries = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        try {
          entries.add(Entry.fromJson(line));
        } catch (IllegalArgumentException e) {
          throw new IOException(path + ":" + number + ": " + e.getMessage(), e);
        }
      }
    }
    return Collections.unmodifiableList(entries);
  }

  /** Opens a ledger for writing, replacing any file at {@code path}. */
  public static Writer create(Path path) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    return new Writer(Files.newBufferedWriter(path, StandardCharsets.UTF_8));
  }

  /** Appends entries; safe to call from Kafka producer callbacks. */
  public static final class Writer implements Closeable {
    private final java.io.Writer out;

    private Writer(java.io.Writer out) {
      this.out = out;
    }

    public synchronized void append(Entry entry) throws IOException {
      out.write(entry.toJson());
      out.write('\n');
    }

    @Override
    public synchronized void close() throws IOException {
      out.close();
    }
  }

  private static String abbreviate(String line) {
    return line.length() <= 200 ? line : line.substring(0, 200) + "...";
  }
}
