package dev.streamy.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.auto.value.AutoValue;
import dev.streamy.transforms.EventTimes;
import dev.streamy.transforms.JsonPaths;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import javax.annotation.Nullable;
import org.joda.time.Instant;

/**
 * Finds an event's time in raw JSON bytes without building a tree: a streaming scan ({@link
 * JsonPaths#seek}) that stops as soon as the event-time path is found, so the reader can timestamp
 * records cheaply before they are parsed. It never throws; any problem (not JSON, path absent, not
 * a string, not an ISO-8601 date-time) gives null, and the caller falls back to another time.
 * Validation proper happens later, in the parse and validate stages, which dead-letter such
 * records.
 */
@AutoValue
public abstract class EventTimeScanner implements Serializable {

  private static final JsonFactory JSON = new JsonFactory();

  /** A scanner for the field at {@code path}, e.g. {@code ["meta", "dt"]}. */
  public static EventTimeScanner of(List<String> path) {
    if (path.isEmpty()) {
      throw new IllegalArgumentException("The event-time path must not be empty");
    }
    return new AutoValue_EventTimeScanner(List.copyOf(path));
  }

  public abstract List<String> getPath();

  /** The event time in {@code json}, or null when it cannot be found cheaply and exactly. */
  public @Nullable Instant scan(@Nullable byte[] json) {
    if (json == null || json.length == 0) {
      return null;
    }
    try (JsonParser parser = JSON.createParser(json)) {
      return JsonPaths.seek(parser, getPath()) == JsonToken.VALUE_STRING
          ? EventTimes.parse(parser.getText())
          : null;
    } catch (IOException | RuntimeException e) {
      // Malformed input is normal here; the parse stage reports it with a proper error code.
      return null;
    }
  }
}
