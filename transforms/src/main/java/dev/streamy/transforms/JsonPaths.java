package dev.streamy.transforms;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.annotation.Nullable;

/**
 * Paths into JSON events, in one place: the contract's dotted paths ({@code meta.dt}, a list of
 * object keys), JSON Pointers as the schema validator reports them ({@code /items/2/sku}), and the
 * dotted form streamy shows in dead letters ({@code items[2].sku}, {@code $} for the root, at most
 * {@link #MAX_SHOWN_CHARS} characters).
 */
public final class JsonPaths {

  /** Longest path shown in a message or violation, in characters. */
  public static final int MAX_SHOWN_CHARS = 200;

  private JsonPaths() {}

  /** {@code meta.dt} as its keys, {@code [meta, dt]}. */
  public static List<String> parse(String dotted) {
    return List.copyOf(Arrays.asList(dotted.split("\\.")));
  }

  /** {@code [meta, dt]} as {@code meta.dt}. */
  public static String dotted(List<String> path) {
    return String.join(".", path);
  }

  /** The value at a path of object keys, or null when a key is absent or the value JSON null. */
  public static @Nullable JsonNode at(JsonNode root, List<String> path) {
    JsonNode node = root;
    for (String key : path) {
      if (node == null || !node.isObject()) {
        return null;
      }
      node = node.get(key);
    }
    return node == null || node.isNull() ? null : node;
  }

  /** Decodes a JSON Pointer ({@code /meta/stream}, {@code ""} for the root) into segments. */
  public static List<String> fromPointer(@Nullable String pointer) {
    List<String> segments = new ArrayList<>();
    if (pointer == null || pointer.isEmpty() || pointer.equals("/")) {
      return segments;
    }
    for (String raw : pointer.substring(1).split("/", -1)) {
      segments.add(raw.replace("~1", "/").replace("~0", "~"));
    }
    return segments;
  }

  /** The node at pointer segments (array slots by index), JSON null included; null when absent. */
  public static @Nullable JsonNode atPointer(JsonNode root, List<String> segments) {
    JsonNode node = root;
    for (String segment : segments) {
      if (node == null) {
        return null;
      }
      node = node.isArray() ? node.get(index(segment)) : node.get(segment);
    }
    return node;
  }

  /** Pointer segments shown dotted: {@code meta.stream}, {@code items[2].sku}, {@code $}. */
  public static String shown(JsonNode root, List<String> segments) {
    StringBuilder path = new StringBuilder();
    JsonNode node = root;
    for (String segment : segments) {
      if (node != null && node.isArray() && index(segment) >= 0) {
        appendIndex(path, index(segment));
        node = node.get(index(segment));
      } else {
        appendKey(path, segment);
        node = node == null ? null : node.get(segment);
      }
    }
    return shown(path);
  }

  /**
   * Moves {@code parser}, at the start of a document, to the value at {@code path} (object keys)
   * without building a tree, skipping everything else, and returns that value's token; null when
   * the document is not an object or the path is absent or crosses a non-object.
   */
  public static @Nullable JsonToken seek(JsonParser parser, List<String> path) throws IOException {
    if (parser.nextToken() != JsonToken.START_OBJECT) {
      return null;
    }
    for (int depth = 0; depth < path.size(); depth++) {
      JsonToken value = seekKey(parser, path.get(depth));
      if (value == null || depth == path.size() - 1) {
        return value;
      }
      if (value != JsonToken.START_OBJECT) {
        return null;
      }
    }
    return JsonToken.START_OBJECT; // an empty path is the root itself
  }

  /** With the parser just inside an object, the token of {@code key}'s value, or null. */
  private static @Nullable JsonToken seekKey(JsonParser parser, String key) throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      boolean match = key.equals(parser.currentName());
      JsonToken value = parser.nextToken();
      if (match) {
        return value;
      }
      parser.skipChildren();
    }
    // END_OBJECT: the key is absent; anything else (null at end of input) is malformed.
    return null;
  }

  /** Appends an array slot, {@code [2]}. */
  static void appendIndex(StringBuilder path, int index) {
    path.append('[').append(index).append(']');
  }

  /** Appends an object key, {@code .key} ({@code key} first). */
  static void appendKey(StringBuilder path, String key) {
    path.append(path.length() == 0 ? "" : ".").append(key);
  }

  /** The built path as shown: {@code $} when empty, capped at {@link #MAX_SHOWN_CHARS}. */
  static String shown(StringBuilder path) {
    return path.length() == 0 ? "$" : DeadLetter.cap(path.toString(), MAX_SHOWN_CHARS);
  }

  private static int index(String segment) {
    if (segment.isEmpty()
        || segment.length() > 9
        || !segment.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Integer.parseInt(segment);
  }
}
