package dev.streamy.generator;

import com.google.auto.value.AutoBuilder;
import com.google.auto.value.AutoValue;
import dev.streamy.transforms.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import javax.annotation.Nullable;

/**
 * Makes realistic Wikimedia {@code mediawiki/recentchange} 1.0.0 events and the bad records a Kafka
 * topic really receives, each labelled with the outcome the ingest pipeline must give it.
 *
 * <p>The work is split by concern: {@link GoodEvents} composes good events from the {@link Profile}
 * (a statistical profile of a real capture); {@link RecordMix} decides which kind comes next and
 * keeps the recent good events that duplicates repeat; each family of bad records has its class,
 * named next to its kinds in {@link Kind}. The output is a pure function of the seed, the shares
 * and the clock's readings: with a fixed clock two factories with the same seed produce identical
 * bytes.
 *
 * <p>Bad records cover the whole catalogue of {@code RELIABILITY.md} ({@link Kind}); duplicates are
 * exact re-sends of a recent good event. The expectations assume the pipeline's default limits: 1
 * MiB values, JSON depth 64, 1 h future skew, and a dedupe horizon of at least a minute.
 *
 * <p>Not thread-safe: one factory per producing thread.
 */
public final class EventFactory {

  /** Value of the {@code $schema} field of every event. */
  public static final String SCHEMA_URI = "/mediawiki/recentchange/1.0.0";

  /** Value of {@code meta.stream} of every event. */
  public static final String STREAM = "mediawiki.recentchange";

  /** Size of an {@link Kind#OVERSIZED} value: a little over the pipeline's 1 MiB default limit. */
  public static final int OVERSIZED_BYTES = 1_048_576 + 65_536;

  /** At most this many {@link Kind#OVERSIZED} records per factory: they are a megabyte each. */
  public static final int MAX_OVERSIZED = 2;

  /** Nesting depth of the extra value in a {@link Kind#DEEP_NESTING} record. */
  public static final int NESTING_DEPTH = 200;

  /** A duplicate re-sends only events at most this old, so it stays inside the dedupe horizon. */
  public static final Duration DUPLICATE_HORIZON = Duration.ofSeconds(60);

  /** Share of bad records sent without a key. */
  private static final double NULL_KEY_SHARE = 1.0 / 3;

  /** What the ingest pipeline must do with a record. */
  public enum Outcome {
    /** Ingested as a cleaned event. */
    EVENT,
    /** Recognised as a repeat of an event id already ingested, and dropped (counted). */
    DEDUPED,
    /** Sent to the dead-letter queue with {@link Expected#code()}. */
    DLQ
  }

  /** The outcome a record must get: {@code EVENT}, {@code DEDUPED} or {@code DLQ:<CODE>}. */
  @AutoValue
  public abstract static class Expected {

    public static final Expected EVENT = of(Outcome.EVENT, null);
    public static final Expected DEDUPED = of(Outcome.DEDUPED, null);

    public abstract Outcome outcome();

    public abstract @Nullable ErrorCode code();

    /** An outcome; a code goes with {@code DLQ} and only with {@code DLQ}. */
    public static Expected of(Outcome outcome, @Nullable ErrorCode code) {
      Objects.requireNonNull(outcome, "outcome");
      if ((outcome == Outcome.DLQ) != (code != null)) {
        throw new IllegalArgumentException("a code goes with DLQ and only with DLQ");
      }
      return new AutoValue_EventFactory_Expected(outcome, code);
    }

    /** A dead letter with this code. */
    public static Expected dlq(ErrorCode code) {
      return of(Outcome.DLQ, Objects.requireNonNull(code, "code"));
    }

    /** Reads {@code EVENT}, {@code DEDUPED} or {@code DLQ:<CODE>}. */
    public static Expected parse(String text) {
      if (text.startsWith("DLQ:")) {
        return dlq(ErrorCode.valueOf(text.substring(4)));
      }
      return switch (Outcome.valueOf(text)) {
        case EVENT -> EVENT;
        case DEDUPED -> DEDUPED;
        case DLQ -> throw new IllegalArgumentException("DLQ needs a code: " + text);
      };
    }

    @Override
    public final String toString() {
      return outcome() == Outcome.DLQ ? "DLQ:" + code() : outcome().name();
    }
  }

  /**
   * The catalogue of records the factory makes, with the outcome each must get. The comments name
   * the class that makes each family.
   */
  public enum Kind {
    // GoodEvents
    GOOD("a schema-valid recentchange event", Expected.EVENT),
    // RecordMix
    DUPLICATE(
        "an exact re-send of a recent good event (same bytes, key and headers)", Expected.DEDUPED),
    // EventFactory itself
    TOMBSTONE("a null value (Kafka tombstone)", ErrorCode.EMPTY_PAYLOAD),
    EMPTY("a zero-length value", ErrorCode.EMPTY_PAYLOAD),
    // SyntaxErrors
    MALFORMED("broken JSON: truncated, single-quoted key or missing comma", ErrorCode.PARSE_ERROR),
    TRAILING_GARBAGE(
        "a good event followed by more text or a second document", ErrorCode.PARSE_ERROR),
    NON_FINITE_NUMBER("NaN or Infinity as a number", ErrorCode.PARSE_ERROR),
    ROOT_ARRAY("a JSON array holding an event", ErrorCode.SCHEMA_INVALID),
    ROOT_SCALAR("a JSON string, number or boolean at the root", ErrorCode.SCHEMA_INVALID),
    // EncodingErrors
    INVALID_UTF8(
        "an event with an invalid UTF-8 byte sequence in a string", ErrorCode.ENCODING_ERROR),
    UTF8_BOM("an event prefixed with a UTF-8 byte-order mark", ErrorCode.ENCODING_ERROR),
    UTF16("an event encoded as UTF-16 (BE/LE, with or without a BOM)", ErrorCode.ENCODING_ERROR),
    // WrongFormats
    GZIP("gzip bytes of a good event", ErrorCode.WRONG_FORMAT),
    CONFLUENT_WIRE_FORMAT("0x00, a 4-byte schema id, then a good event", ErrorCode.WRONG_FORMAT),
    AVRO_CONTAINER(
        "an Avro object container file (\"Obj\\x01\") holding a good event",
        ErrorCode.WRONG_FORMAT),
    // StructureErrors
    OVERSIZED("a schema-valid event larger than 1 MiB", ErrorCode.TOO_LARGE),
    DEEP_NESTING("an event with an extra value nested 200 deep", ErrorCode.TOO_DEEP),
    DUPLICATE_KEY("an event with one key twice (title, type or user)", ErrorCode.DUPLICATE_KEY),
    // FieldErrors
    MISSING_STREAM("an event without meta.stream", ErrorCode.FIELD_MISSING),
    NULL_ID("an event whose meta.id is null", ErrorCode.FIELD_MISSING),
    WRONG_TYPE("namespace or bot as a string (\"0\", \"true\")", ErrorCode.FIELD_INVALID),
    ID_NOT_UUID("an event whose meta.id is not a UUID", ErrorCode.FIELD_INVALID),
    // TimeErrors
    UNPARSEABLE_TIME(
        "meta.dt that is not a date-time (\"yesterday\", 30 February, ...)", ErrorCode.TS_INVALID),
    FUTURE_TIME("meta.dt two days ahead of now", ErrorCode.TS_FUTURE);

    private final String description;
    private final Expected expected;

    Kind(String description, Expected expected) {
      this.description = description;
      this.expected = expected;
    }

    Kind(String description, ErrorCode code) {
      this(description, Expected.dlq(code));
    }

    /** What the record is, in a few words. */
    public String description() {
      return description;
    }

    /** The outcome the pipeline must give records of this kind. */
    public Expected expected() {
      return expected;
    }

    /** Whether records of this kind must end in the dead-letter queue. */
    public boolean isBad() {
      return expected.outcome() == Outcome.DLQ;
    }

    /** The kinds that must be dead-lettered, in catalogue order. */
    public static List<Kind> badKinds() {
      List<Kind> bad = new ArrayList<>();
      for (Kind kind : values()) {
        if (kind.isBad()) {
          bad.add(kind);
        }
      }
      return Collections.unmodifiableList(bad);
    }
  }

  /**
   * One record to produce. {@code value} is null only for a {@link Kind#TOMBSTONE}; {@code eventId}
   * is the {@code meta.id} text of the event the record carries or was made from, null when there
   * is none. Arrays are shared, not copied: do not modify them.
   */
  @AutoValue
  public abstract static class GeneratedRecord {

    public abstract Kind kind();

    @SuppressWarnings("mutable")
    public abstract @Nullable byte[] key();

    @SuppressWarnings("mutable")
    public abstract @Nullable byte[] value();

    public abstract Map<String, byte[]> headers();

    public abstract @Nullable String eventId();

    static GeneratedRecord of(
        Kind kind,
        @Nullable byte[] key,
        @Nullable byte[] value,
        Map<String, byte[]> headers,
        @Nullable String eventId) {
      return new AutoValue_EventFactory_GeneratedRecord(kind, key, value, headers, eventId);
    }

    /** The outcome the pipeline must give this record. */
    public Expected expected() {
      return kind().expected();
    }
  }

  private final SplittableRandom random;
  private final GoodEvents events;
  private final RecordMix mix;

  /** Called by {@link Builder#build}. */
  EventFactory(
      long seed,
      double badShare,
      double duplicateShare,
      Clock clock,
      boolean allowOversized,
      @Nullable Profile profile) {
    if (!(badShare >= 0 && duplicateShare >= 0 && badShare + duplicateShare <= 1)) {
      throw new IllegalArgumentException(
          "badShare and duplicateShare must be >= 0 with a sum <= 1, got "
              + badShare
              + " and "
              + duplicateShare);
    }
    this.random = new SplittableRandom(seed);
    this.events = new GoodEvents(profile != null ? profile : Profile.bundled(), random, clock);
    this.mix = new RecordMix(random, badShare, duplicateShare, clock, allowOversized);
  }

  /** A builder with seed 42, 5 % bad records, 1 % duplicates and the system UTC clock. */
  public static Builder builder() {
    return new AutoBuilder_EventFactory_Builder()
        .seed(42)
        .badShare(0.05)
        .duplicateShare(0.01)
        .clock(Clock.systemUTC())
        .allowOversized(true);
  }

  /** The next record: bad with probability badShare, a duplicate with duplicateShare, else good. */
  public GeneratedRecord next() {
    return next(mix.nextKind());
  }

  /**
   * A record of the given kind.
   *
   * @throws IllegalStateException for {@link Kind#DUPLICATE} when no good event of the last {@link
   *     #DUPLICATE_HORIZON} is left to repeat, or for {@link Kind#OVERSIZED} beyond {@link
   *     #MAX_OVERSIZED} or when oversized records are disabled
   */
  public GeneratedRecord next(Kind kind) {
    if (kind == Kind.DUPLICATE) {
      return mix.duplicate();
    }
    if (kind == Kind.OVERSIZED) {
      mix.takeOversized();
    }
    // Every record, good or bad, starts as a fresh good event: bad ones are made from it.
    Draft draft = events.draft();
    Map<String, byte[]> headers = events.headers();
    byte[] key = key(kind, draft);
    byte[] value = value(kind, draft);
    GeneratedRecord record = GeneratedRecord.of(kind, key, value, headers, eventId(kind, draft));
    if (kind == Kind.GOOD) {
      mix.remember(record, draft.time());
    }
    return record;
  }

  /** Whether {@link Kind#OVERSIZED} records may still be made. */
  public boolean oversizedAllowed() {
    return mix.oversizedAllowed();
  }

  /** Whether {@link Kind#DUPLICATE} can be made now: a good event within the horizon exists. */
  public boolean hasDuplicateCandidate() {
    return mix.hasDuplicateCandidate();
  }

  /** The wiki's name, as for a good event; a share of bad records has no key. */
  private @Nullable byte[] key(Kind kind, Draft draft) {
    if (kind != Kind.GOOD && random.nextDouble() < NULL_KEY_SHARE) {
      return null;
    }
    return draft.key();
  }

  private @Nullable byte[] value(Kind kind, Draft draft) {
    return switch (kind) {
      case GOOD -> draft.json();
      case TOMBSTONE -> null;
      case EMPTY -> new byte[0];
      case MALFORMED -> SyntaxErrors.malformed(draft, random);
      case TRAILING_GARBAGE -> SyntaxErrors.trailingGarbage(draft, random);
      case NON_FINITE_NUMBER -> SyntaxErrors.nonFiniteNumber(draft, random);
      case ROOT_ARRAY -> SyntaxErrors.rootArray(draft);
      case ROOT_SCALAR -> SyntaxErrors.rootScalar(draft, random);
      case INVALID_UTF8 -> EncodingErrors.invalidUtf8(draft, random);
      case UTF8_BOM -> EncodingErrors.utf8Bom(draft);
      case UTF16 -> EncodingErrors.utf16(draft, random);
      case GZIP -> WrongFormats.gzip(draft);
      case CONFLUENT_WIRE_FORMAT -> WrongFormats.confluentWireFormat(draft, random);
      case AVRO_CONTAINER -> WrongFormats.avroContainer(draft, random);
      case OVERSIZED -> StructureErrors.oversized(draft, events.profile(), random);
      case DEEP_NESTING -> StructureErrors.deepNesting(draft, random);
      case DUPLICATE_KEY -> StructureErrors.duplicateKey(draft, events, random);
      case MISSING_STREAM -> FieldErrors.missingStream(draft);
      case NULL_ID -> FieldErrors.nullId(draft);
      case WRONG_TYPE -> FieldErrors.wrongType(draft, random);
      case ID_NOT_UUID -> FieldErrors.idNotUuid(draft, events, random);
      case UNPARSEABLE_TIME -> TimeErrors.unparseableTime(draft, random);
      case FUTURE_TIME -> TimeErrors.futureTime(draft, random);
      case DUPLICATE -> throw new IllegalArgumentException("a duplicate is not made from a draft");
    };
  }

  /** The {@code meta.id} a record carries, read after the value is made; none without an event. */
  private static @Nullable String eventId(Kind kind, Draft draft) {
    return switch (kind) {
      case TOMBSTONE, EMPTY, ROOT_SCALAR -> null;
      default -> draft.id();
    };
  }

  /** Configures an {@link EventFactory}; {@link #builder()} gives the defaults. */
  @AutoBuilder(ofClass = EventFactory.class)
  public abstract static class Builder {

    Builder() {}

    /** Seed of every random choice: same seed, same shares, same clock readings, same records. */
    public abstract Builder seed(long seed);

    /** Fraction of records that are bad (0..1). */
    public abstract Builder badShare(double share);

    /** Fraction of records that re-send a recent good event (0..1). */
    public abstract Builder duplicateShare(double share);

    /** The clock that event times are taken from. */
    public abstract Builder clock(Clock clock);

    /**
     * Whether {@link Kind#OVERSIZED} records (over 1 MiB) may be made; off when the topic or the
     * producer cannot take them.
     */
    public abstract Builder allowOversized(boolean allow);

    /** A profile other than the bundled one. */
    public abstract Builder profile(Profile profile);

    /**
     * @throws IllegalArgumentException when the shares are negative or add up to more than 1
     */
    public abstract EventFactory build();
  }
}
