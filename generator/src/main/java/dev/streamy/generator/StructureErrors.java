package dev.streamy.generator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Well-formed JSON beyond what the parser accepts: {@link EventFactory.Kind#OVERSIZED} ({@code
 * TOO_LARGE}), {@link EventFactory.Kind#DEEP_NESTING} ({@code TOO_DEEP}) and {@link
 * EventFactory.Kind#DUPLICATE_KEY} ({@code DUPLICATE_KEY}).
 */
final class StructureErrors {

  private StructureErrors() {}

  /** The event with a comment long enough to pass {@link EventFactory#OVERSIZED_BYTES}. */
  static byte[] oversized(Draft draft, Profile profile, SplittableRandom random) {
    int base = draft.json().length;
    List<String> pool = profile.genericComments.getOrDefault("edit", List.of("revert"));
    StringBuilder comment = new StringBuilder(EventFactory.OVERSIZED_BYTES - base + 256);
    // The comment is ASCII-safe only if the snippets are; count bytes, not chars.
    int bytes = 0;
    while (base + bytes <= EventFactory.OVERSIZED_BYTES) {
      String snippet = pool.get(random.nextInt(pool.size())) + " ";
      comment.append(snippet);
      bytes += snippet.getBytes(StandardCharsets.UTF_8).length;
    }
    draft.event().put("comment", comment.toString());
    return draft.json();
  }

  /**
   * The event with an extra first field of arrays or objects nested {@link
   * EventFactory#NESTING_DEPTH} deep.
   */
  static byte[] deepNesting(Draft draft, SplittableRandom random) {
    String text = draft.text();
    StringBuilder nested = new StringBuilder("{\"nested\":");
    boolean arrays = random.nextBoolean();
    for (int i = 0; i < EventFactory.NESTING_DEPTH; i++) {
      nested.append(arrays ? "[" : "{\"a\":");
    }
    nested.append(arrays ? "" : "1");
    for (int i = 0; i < EventFactory.NESTING_DEPTH; i++) {
      nested.append(arrays ? "]" : "}");
    }
    return nested.append(',').append(text.substring(1)).toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The event with its title, type or user given twice, the extra value first. */
  static byte[] duplicateKey(Draft draft, GoodEvents events, SplittableRandom random) {
    String field;
    JsonNode value;
    switch (random.nextInt(3)) {
      case 0 -> {
        field = "title";
        value = TextNode.valueOf(events.title(draft.wiki(), 0));
      }
      case 1 -> {
        field = "type";
        value =
            TextNode.valueOf(draft.event().path("type").asText().equals("edit") ? "log" : "edit");
      }
      default -> {
        field = "user";
        value = TextNode.valueOf(events.user(false));
      }
    }
    // The extra key comes first; the event's own key follows later, so "last wins" parsers
    // silently keep the real value.
    String text = "{\"" + field + "\":" + Json.text(value) + "," + draft.text().substring(1);
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
