package dev.streamy.generator;

import java.util.SplittableRandom;

/**
 * Events whose fields break the contract: {@link EventFactory.Kind#MISSING_STREAM}, {@link
 * EventFactory.Kind#NULL_ID} ({@code FIELD_MISSING}), {@link EventFactory.Kind#WRONG_TYPE} and
 * {@link EventFactory.Kind#ID_NOT_UUID} ({@code FIELD_INVALID}).
 */
final class FieldErrors {

  private FieldErrors() {}

  /** The event without {@code meta.stream}. */
  static byte[] missingStream(Draft draft) {
    draft.meta().remove("stream");
    return draft.json();
  }

  /** The event with a null {@code meta.id}. */
  static byte[] nullId(Draft draft) {
    draft.meta().putNull("id");
    return draft.json();
  }

  /** The namespace or the bot flag as a string that coerces cleanly ("0", "true"). */
  static byte[] wrongType(Draft draft, SplittableRandom random) {
    if (random.nextBoolean()) {
      draft.event().put("namespace", String.valueOf(draft.event().path("namespace").asInt()));
    } else {
      draft.event().put("bot", String.valueOf(draft.event().path("bot").asBoolean()));
    }
    return draft.json();
  }

  /** A {@code meta.id} that is not a UUID: no dashes, another scheme, or non-hex characters. */
  static byte[] idNotUuid(Draft draft, GoodEvents events, SplittableRandom random) {
    String uuid = events.uuid();
    String id =
        switch (random.nextInt(3)) {
          case 0 -> uuid.replace("-", "");
          case 1 -> "evt-" + (10_000_000 + random.nextInt(90_000_000));
          default -> uuid.substring(0, 30) + "zzzzzz";
        };
    draft.meta().put("id", id);
    return draft.json();
  }
}
