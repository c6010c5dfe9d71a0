package dev.streamy.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.streamy.transforms.EventTimes;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import javax.annotation.Nullable;
import org.joda.time.Instant;

/**
 * Finds an event's time in raw JSON bytes without building a tree: a streaming scan that stops as
 * soon as the event-time path is found, so the reader can timestamp records cheaply before they are
 * parsed. It never throws; any problem (not JSON, path absent, not a string, not an ISO-8601
 * date-time) gives null, and the caller falls back to another time. Validation proper happens
 * later, in the parse and validate stages, which dead-letter such records.
 */
public final class EventTimeScanner implements Serializable {

  private static final JsonFactory JSON = new JsonFactory();

  private final List<String> path;

  /** A scanner for the field at {@code path}, e.g. {@code ["meta", "dt"]}. */
  public EventTimeScanner(List<String> path) {
    if (path.isEmpty()) {
      throw new IllegalArgumentException("The event-time path must not be empty");
    }
    this.path = List.copyOf(path);
  }

  public List<String> path() {
    return path;
  }

  /** The event time in {@code json}, or null when it cannot be found cheaply and exactly. */
  public @Nullable Instant scan(@Nullable byte[] json) {
    if (json == null || json.length == 0) {
      return null;
    }
    try (JsonParser parser = JSON.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      return scanObject(parser, 0);
    } catch (IOException | RuntimeException e) {
      // Malformed input is normal here; the parse stage reports it with a proper error code.
      return null;
    }
  }

  /** With the parser just inside an object at {@code depth} of the path, finds path[depth]. */
  private @Nullable Instant scanObject(JsonParser parser, int depth) throws IOException {
    String wanted = path.get(depth);
    JsonToken token;
    while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
      boolean match = wanted.equals(parser.currentName());
      JsonToken value = parser.nextToken();
      if (!match) {
        parser.skipChildren();
        continue;
      }
      if (depth == path.size() - 1) {
        return value == JsonToken.VALUE_STRING ? EventTimes.parse(parser.getText()) : null;
      }
      return value == JsonToken.START_OBJECT ? scanObject(parser, depth + 1) : null;
    }
    // END_OBJECT: the field is absent; anything else (null at end of input) is malformed.
    return null;
  }
}
