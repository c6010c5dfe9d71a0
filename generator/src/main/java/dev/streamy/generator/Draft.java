package dev.streamy.generator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auto.value.AutoValue;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import javax.annotation.Nullable;

/**
 * A good event just composed, with what the bad records made from it need to know. The event tree
 * is the draft's own: a bad record may change it in place before it is written.
 */
@AutoValue
abstract class Draft {

  abstract ObjectNode event();

  /** The event time, as written in {@code meta.dt}. */
  abstract Instant time();

  abstract Profile.Wiki wiki();

  static Draft of(ObjectNode event, Instant time, Profile.Wiki wiki) {
    return new AutoValue_Draft(event, time, wiki);
  }

  ObjectNode meta() {
    return (ObjectNode) event().get("meta");
  }

  /** The {@code meta.id} text, or null when it is missing or not a string. */
  @Nullable
  String id() {
    JsonNode id = event().path("meta").get("id");
    return id != null && id.isTextual() ? id.asText() : null;
  }

  /** The record key of a good event: its wiki's name. */
  byte[] key() {
    return wiki().wiki.getBytes(StandardCharsets.UTF_8);
  }

  byte[] json() {
    return Json.bytes(event());
  }

  String text() {
    return Json.text(event());
  }
}
