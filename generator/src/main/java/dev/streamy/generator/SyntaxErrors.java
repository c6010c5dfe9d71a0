package dev.streamy.generator;

import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Values that are not one JSON object: {@link EventFactory.Kind#MALFORMED}, {@link
 * EventFactory.Kind#TRAILING_GARBAGE}, {@link EventFactory.Kind#NON_FINITE_NUMBER} ({@code
 * PARSE_ERROR}), {@link EventFactory.Kind#ROOT_ARRAY} and {@link EventFactory.Kind#ROOT_SCALAR}
 * ({@code SCHEMA_INVALID}).
 */
final class SyntaxErrors {

  private SyntaxErrors() {}

  /** Truncated, a single-quoted key or a missing comma. */
  static byte[] malformed(Draft draft, SplittableRandom random) {
    String text = draft.text();
    // Every event starts with {"$schema":"...", so the edits below hit syntax, never a string.
    String broken =
        switch (random.nextInt(3)) {
          case 0 -> {
            // Cut between 10 % and 90 %, never inside a surrogate pair: still valid UTF-8.
            int cut = text.length() / 10 + random.nextInt(text.length() * 8 / 10);
            if (Character.isLowSurrogate(text.charAt(cut))) {
              cut--;
            }
            yield text.substring(0, cut);
          }
          case 1 -> "{'$schema'" + text.substring("{\"$schema\"".length());
          default -> {
            int comma = text.indexOf(",\"meta\":");
            yield text.substring(0, comma) + " " + text.substring(comma + 1);
          }
        };
    return utf8(broken);
  }

  /** A good event followed by more text or a second document. */
  static byte[] trailingGarbage(Draft draft, SplittableRandom random) {
    String[] tails = {" garbage", "}", "{\"second\":\"document\"}", ","};
    return utf8(draft.text() + tails[random.nextInt(tails.length)]);
  }

  /** NaN or Infinity as the namespace. */
  static byte[] nonFiniteNumber(Draft draft, SplittableRandom random) {
    // A number no real event has marks the spot; Jackson cannot write NaN as a JSON number.
    long placeholder = 987_654_321_987_654_321L;
    draft.event().put("namespace", placeholder);
    String[] values = {"NaN", "Infinity", "-Infinity"};
    return utf8(
        draft
            .text()
            .replace(
                "\"namespace\":" + placeholder,
                "\"namespace\":" + values[random.nextInt(values.length)]));
  }

  /** A JSON array holding the event. */
  static byte[] rootArray(Draft draft) {
    return utf8("[" + draft.text() + "]");
  }

  /** The event's title, its timestamp or {@code true}, alone at the root. */
  static byte[] rootScalar(Draft draft, SplittableRandom random) {
    String text =
        switch (random.nextInt(3)) {
          case 0 -> Json.text(TextNode.valueOf(draft.event().path("title").asText()));
          case 1 -> String.valueOf(draft.event().path("timestamp").asLong());
          default -> "true";
        };
    return utf8(text);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
