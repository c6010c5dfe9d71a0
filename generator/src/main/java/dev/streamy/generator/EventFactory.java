package dev.streamy.generator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.streamy.transforms.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import javax.annotation.Nullable;

/**
 * Makes realistic Wikimedia {@code mediawiki/recentchange} 1.0.0 events and the bad records a Kafka
 * topic really receives, each labelled with the outcome the ingest pipeline must give it.
 *
 * <p>Good events are composed from a statistical profile of a real capture (the resource {@value
 * #PROFILE_RESOURCE}, built by {@code ProfileBuilder}): weighted wikis and their servers, type and
 * namespace mix, bot share, user names, title words, comment snippets, length distributions and log
 * actions. Each event gets a fresh seeded UUID and an event time of "now" from the clock, with a
 * little jitter. The output is a pure function of the seed, the shares and the clock's readings:
 * with a fixed clock two factories with the same seed produce identical bytes.
 *
 * <p>Bad records cover the whole catalogue of {@code RELIABILITY.md} ({@link Kind}); duplicates are
 * exact re-sends of a recent good event. The expectations assume the pipeline's default limits: 1
 * MiB values, JSON depth 64, 1 h future skew, and a dedupe horizon of at least a minute.
 *
 * <p>Not thread-safe: one factory per producing thread.
 */
public final class EventFactory {

  /** Classpath resource of the default profile. */
  public static final String PROFILE_RESOURCE = "generator/recentchange-profile.json";

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

  private static final int RECENT_GOOD = 64;
  private static final double TRACED_SHARE = 0.3;
  private static final double NULL_KEY_SHARE = 1.0 / 3;
  private static final String INVALID_MARKER = "@@streamy-invalid-utf8@@";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final DateTimeFormatter TIMESTAMP14 =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final Map<Integer, String> CANONICAL_NAMESPACES = canonicalNamespaces();

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
  public record Expected(Outcome outcome, @Nullable ErrorCode code) {

    public static final Expected EVENT = new Expected(Outcome.EVENT, null);
    public static final Expected DEDUPED = new Expected(Outcome.DEDUPED, null);

    public Expected {
      Objects.requireNonNull(outcome, "outcome");
      if ((outcome == Outcome.DLQ) != (code != null)) {
        throw new IllegalArgumentException("a code goes with DLQ and only with DLQ");
      }
    }

    /** A dead letter with this code. */
    public static Expected dlq(ErrorCode code) {
      return new Expected(Outcome.DLQ, Objects.requireNonNull(code, "code"));
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
    public String toString() {
      return outcome == Outcome.DLQ ? "DLQ:" + code : outcome.name();
    }
  }

  /** The catalogue of records the factory makes, with the outcome each must get. */
  public enum Kind {
    GOOD("a schema-valid recentchange event", Expected.EVENT),
    DUPLICATE(
        "an exact re-send of a recent good event (same bytes, key and headers)", Expected.DEDUPED),
    TOMBSTONE("a null value (Kafka tombstone)", ErrorCode.EMPTY_PAYLOAD),
    EMPTY("a zero-length value", ErrorCode.EMPTY_PAYLOAD),
    MALFORMED("broken JSON: truncated, single-quoted key or missing comma", ErrorCode.PARSE_ERROR),
    TRAILING_GARBAGE(
        "a good event followed by more text or a second document", ErrorCode.PARSE_ERROR),
    NON_FINITE_NUMBER("NaN or Infinity as a number", ErrorCode.PARSE_ERROR),
    ROOT_ARRAY("a JSON array holding an event", ErrorCode.SCHEMA_INVALID),
    ROOT_SCALAR("a JSON string, number or boolean at the root", ErrorCode.SCHEMA_INVALID),
    INVALID_UTF8(
        "an event with an invalid UTF-8 byte sequence in a string", ErrorCode.ENCODING_ERROR),
    UTF8_BOM("an event prefixed with a UTF-8 byte-order mark", ErrorCode.ENCODING_ERROR),
    UTF16("an event encoded as UTF-16 (BE/LE, with or without a BOM)", ErrorCode.ENCODING_ERROR),
    GZIP("gzip bytes of a good event", ErrorCode.WRONG_FORMAT),
    CONFLUENT_WIRE_FORMAT("0x00, a 4-byte schema id, then a good event", ErrorCode.WRONG_FORMAT),
    AVRO_CONTAINER(
        "an Avro object container file (\"Obj\\x01\") holding a good event",
        ErrorCode.WRONG_FORMAT),
    OVERSIZED("a schema-valid event larger than 1 MiB", ErrorCode.TOO_LARGE),
    DEEP_NESTING("an event with an extra value nested 200 deep", ErrorCode.TOO_DEEP),
    DUPLICATE_KEY("an event with one key twice (title, type or user)", ErrorCode.DUPLICATE_KEY),
    MISSING_STREAM("an event without meta.stream", ErrorCode.FIELD_MISSING),
    NULL_ID("an event whose meta.id is null", ErrorCode.FIELD_MISSING),
    WRONG_TYPE("namespace or bot as a string (\"0\", \"true\")", ErrorCode.FIELD_INVALID),
    ID_NOT_UUID("an event whose meta.id is not a UUID", ErrorCode.FIELD_INVALID),
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
  public record GeneratedRecord(
      Kind kind,
      @Nullable byte[] key,
      @Nullable byte[] value,
      Map<String, byte[]> headers,
      @Nullable String eventId) {

    /** The outcome the pipeline must give this record. */
    public Expected expected() {
      return kind.expected();
    }
  }

  private final Profile profile;
  private final SplittableRandom random;
  private final double badShare;
  private final double duplicateShare;
  private final Clock clock;
  private final boolean allowOversized;
  private final Map<String, long[]> counters = new HashMap<>();
  private final Deque<Recent> recentGood = new ArrayDeque<>();
  private final List<Kind> badCycle = new ArrayList<>(Kind.badKinds());
  private int badCycleIndex = badCycle.size();
  private int oversized;
  private long metaOffset;

  private EventFactory(Builder builder) {
    this.profile = builder.profile != null ? builder.profile : Profile.defaultProfile();
    this.random = new SplittableRandom(builder.seed);
    this.badShare = builder.badShare;
    this.duplicateShare = builder.duplicateShare;
    this.clock = builder.clock;
    this.allowOversized = builder.allowOversized;
    this.metaOffset = 5_000_000_000L + random.nextLong(1_000_000_000L);
  }

  /** A builder with seed 42, 5 % bad records, 1 % duplicates and the system UTC clock. */
  public static Builder builder() {
    return new Builder();
  }

  /** The next record: bad with probability badShare, a duplicate with duplicateShare, else good. */
  public GeneratedRecord next() {
    double u = random.nextDouble();
    if (u < badShare) {
      return next(nextBadKind());
    }
    if (u < badShare + duplicateShare && hasDuplicateCandidate()) {
      return next(Kind.DUPLICATE);
    }
    return next(Kind.GOOD);
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
      return duplicate();
    }
    if (kind == Kind.OVERSIZED) {
      if (!oversizedAllowed()) {
        throw new IllegalStateException("no more oversized records from this factory");
      }
      oversized++;
    }
    Draft draft = newEvent();
    Map<String, byte[]> headers = headers();
    byte[] key = kind == Kind.GOOD ? draft.key() : badKey(draft);
    return switch (kind) {
      case GOOD -> {
        byte[] value = json(draft.event);
        GeneratedRecord record = new GeneratedRecord(kind, key, value, headers, draft.id());
        recentGood.addLast(new Recent(record, draft.time));
        if (recentGood.size() > RECENT_GOOD) {
          recentGood.removeFirst();
        }
        yield record;
      }
      case TOMBSTONE -> new GeneratedRecord(kind, key, null, headers, null);
      case EMPTY -> new GeneratedRecord(kind, key, new byte[0], headers, null);
      case MALFORMED -> record(kind, key, headers, draft, malformed(text(draft.event)));
      case TRAILING_GARBAGE ->
          record(kind, key, headers, draft, trailingGarbage(text(draft.event)));
      case NON_FINITE_NUMBER -> record(kind, key, headers, draft, nonFinite(draft.event));
      case ROOT_ARRAY -> record(kind, key, headers, draft, "[" + text(draft.event) + "]");
      case ROOT_SCALAR -> new GeneratedRecord(kind, key, rootScalar(draft), headers, null);
      case INVALID_UTF8 -> record(kind, key, headers, draft, invalidUtf8(draft.event));
      case UTF8_BOM ->
          record(kind, key, headers, draft, concat(bytes(0xEF, 0xBB, 0xBF), json(draft.event)));
      case UTF16 -> record(kind, key, headers, draft, utf16(text(draft.event)));
      case GZIP -> record(kind, key, headers, draft, gzip(json(draft.event)));
      case CONFLUENT_WIRE_FORMAT -> record(kind, key, headers, draft, confluent(json(draft.event)));
      case AVRO_CONTAINER -> record(kind, key, headers, draft, avroContainer(text(draft.event)));
      case OVERSIZED -> record(kind, key, headers, draft, oversized(draft.event));
      case DEEP_NESTING -> record(kind, key, headers, draft, deepNesting(text(draft.event)));
      case DUPLICATE_KEY -> record(kind, key, headers, draft, duplicateKey(draft));
      case MISSING_STREAM -> {
        draft.meta().remove("stream");
        yield record(kind, key, headers, draft, json(draft.event));
      }
      case NULL_ID -> {
        draft.meta().putNull("id");
        yield new GeneratedRecord(kind, key, json(draft.event), headers, null);
      }
      case WRONG_TYPE -> record(kind, key, headers, draft, wrongType(draft.event));
      case ID_NOT_UUID -> {
        draft.meta().put("id", notUuid());
        yield record(kind, key, headers, draft, json(draft.event));
      }
      case UNPARSEABLE_TIME -> {
        draft.meta().put("dt", unparseableTime(draft.time));
        yield record(kind, key, headers, draft, json(draft.event));
      }
      case FUTURE_TIME -> {
        Instant future = draft.time.plus(Duration.ofDays(2)).plusSeconds(random.nextInt(3600));
        draft.meta().put("dt", DateTimeFormatter.ISO_INSTANT.format(future));
        draft.event.put("timestamp", future.getEpochSecond());
        yield record(kind, key, headers, draft, json(draft.event));
      }
      case DUPLICATE -> throw new AssertionError("handled above");
    };
  }

  /** Whether {@link Kind#OVERSIZED} records may still be made. */
  public boolean oversizedAllowed() {
    return allowOversized && oversized < MAX_OVERSIZED;
  }

  /** Whether {@link Kind#DUPLICATE} can be made now: a good event within the horizon exists. */
  public boolean hasDuplicateCandidate() {
    return !duplicateCandidates().isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // Choosing

  private Kind nextBadKind() {
    // A shuffled round-robin over the catalogue: small runs still cover every kind.
    for (int tries = 0; tries <= 2 * badCycle.size(); tries++) {
      if (badCycleIndex >= badCycle.size()) {
        shuffle(badCycle);
        badCycleIndex = 0;
      }
      Kind kind = badCycle.get(badCycleIndex++);
      if (kind != Kind.OVERSIZED || oversizedAllowed()) {
        return kind;
      }
    }
    throw new AssertionError("no bad kind available");
  }

  private GeneratedRecord duplicate() {
    List<Recent> candidates = duplicateCandidates();
    if (candidates.isEmpty()) {
      throw new IllegalStateException(
          "no good event of the last " + DUPLICATE_HORIZON + " to send again");
    }
    GeneratedRecord original = candidates.get(random.nextInt(candidates.size())).record;
    return new GeneratedRecord(
        Kind.DUPLICATE, original.key(), original.value(), original.headers(), original.eventId());
  }

  private List<Recent> duplicateCandidates() {
    Instant oldest = clock.instant().minus(DUPLICATE_HORIZON);
    List<Recent> candidates = new ArrayList<>();
    for (Recent recent : recentGood) {
      if (!recent.time.isBefore(oldest)) {
        candidates.add(recent);
      }
    }
    return candidates;
  }

  private void shuffle(List<Kind> kinds) {
    for (int i = kinds.size() - 1; i > 0; i--) {
      Collections.swap(kinds, i, random.nextInt(i + 1));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Good events

  /** An event under construction, with what the corruptions need to know about it. */
  private record Draft(ObjectNode event, Instant time, Profile.Wiki wiki) {
    ObjectNode meta() {
      return (ObjectNode) event.get("meta");
    }

    @Nullable
    String id() {
      JsonNode id = event.path("meta").get("id");
      return id != null && id.isTextual() ? id.asText() : null;
    }

    byte[] key() {
      return wiki.wiki.getBytes(StandardCharsets.UTF_8);
    }
  }

  private record Recent(GeneratedRecord record, Instant time) {}

  private Draft newEvent() {
    Profile.Wiki wiki = profile.wikis.pick(random);
    Profile.Change change = wiki.changes.pick(random);
    String type = change.type;
    int namespace = change.namespace;
    Instant time =
        clock.instant().plusMillis(random.nextInt(-2_000, 1_000)).truncatedTo(ChronoUnit.SECONDS);
    boolean bot = random.nextDouble() < wiki.botShare;
    String user = user(bot);
    Profile.LogAction logAction = type.equals("log") ? logAction(namespace) : null;
    String title = title(wiki, namespace);
    String serverUrl = "https://" + wiki.serverName;
    String titleUrl = serverUrl + "/wiki/" + encodeTitle(title);
    long rcid = next(wiki, "rcid", wiki.maxRcid, 40);

    ObjectNode event = JSON.objectNode();
    event.put("$schema", SCHEMA_URI);
    ObjectNode meta = event.putObject("meta");
    meta.put("uri", titleUrl);
    meta.put("request_id", uuid());
    meta.put("id", uuid());
    meta.put("dt", DateTimeFormatter.ISO_INSTANT.format(time));
    meta.put("domain", wiki.serverName);
    meta.put("stream", STREAM);
    meta.put("topic", "eqiad.mediawiki.recentchange");
    meta.put("partition", 0);
    meta.put("offset", metaOffset++);
    if (logAction != null && random.nextDouble() < logAction.rcidNullShare) {
      event.putNull("id");
    } else {
      event.put("id", rcid);
    }
    event.put("type", type);
    event.put("namespace", namespace);
    event.put("title", title);
    event.put("title_url", titleUrl);
    String comment = comment(wiki, type, logAction);
    event.put("comment", comment);
    event.put("timestamp", time.getEpochSecond());
    event.put("user", user);
    event.put("bot", bot);
    switch (type) {
      case "edit" -> {
        long revision = next(wiki, "revision", wiki.maxRevision, 30);
        long oldRevision =
            Math.max(1, revision - 1 - (long) (Math.pow(random.nextDouble(), 3) * revision * 0.05));
        event.put(
            "notify_url", serverUrl + "/w/index.php?diff=" + revision + "&oldid=" + oldRevision);
        event.put("minor", random.nextDouble() < profile.minorShare);
        patrolled(event, wiki);
        long oldLength = Math.max(0, sample(profile.editOldLengths));
        ObjectNode length = event.putObject("length");
        length.put("old", oldLength);
        length.put("new", Math.max(0, oldLength + sample(profile.editDeltas)));
        ObjectNode revisions = event.putObject("revision");
        revisions.put("old", oldRevision);
        revisions.put("new", revision);
      }
      case "new" -> {
        long revision = next(wiki, "revision", wiki.maxRevision, 30);
        event.put("notify_url", serverUrl + "/w/index.php?oldid=" + revision + "&rcid=" + rcid);
        event.put("minor", false);
        patrolled(event, wiki);
        event.putObject("length").put("new", Math.max(1, sample(profile.newLengths)));
        event.putObject("revision").put("new", revision);
      }
      case "categorize" -> {
        long revision = next(wiki, "revision", wiki.maxRevision, 30);
        event.put(
            "notify_url", serverUrl + "/w/index.php?diff=" + revision + "&oldid=0&rcid=" + rcid);
      }
      case "log" -> {
        event.put("log_id", next(wiki, "log", wiki.maxLogId, 20));
        event.put("log_type", logAction.type);
        event.put("log_action", logAction.action);
        event.set("log_params", logParams(logAction.params, wiki, time));
        String template =
            logAction.actionComments.isEmpty()
                ? "{user} " + logAction.action + " [[{title}]]"
                : logAction.actionComments.get(random.nextInt(logAction.actionComments.size()));
        event.put("log_action_comment", template.replace("{title}", title).replace("{user}", user));
      }
      default -> {
        // other types carry no extra fields
      }
    }
    event.put("server_url", serverUrl);
    event.put("server_name", wiki.serverName);
    event.put("server_script_path", "/w");
    event.put("wiki", wiki.wiki);
    event.put("parsedcomment", parseComment(comment));
    return new Draft(event, time, wiki);
  }

  private String user(boolean bot) {
    if (bot && !profile.bots.isEmpty()) {
      return profile.bots.pick(random);
    }
    if (random.nextDouble() < profile.anonymousShare || profile.humans.isEmpty()) {
      return random.nextDouble() < profile.ipv6Share ? ipv6() : ipv4();
    }
    return profile.humans.pick(random);
  }

  private Profile.LogAction logAction(int namespace) {
    List<Profile.LogAction> fitting = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    for (Profile.LogAction action : profile.logActions.items) {
      Integer w = action.namespaces.get(namespace);
      if (w != null) {
        fitting.add(action);
        weights.add((double) w);
      }
    }
    return fitting.isEmpty()
        ? profile.logActions.pick(random)
        : new Weighted<>(fitting, weights).pick(random);
  }

  private String title(Profile.Wiki wiki, int namespace) {
    Profile.Entity entity = wiki.entities.get(namespace);
    String prefix =
        namespace == 0
            ? ""
            : wiki.prefixes.getOrDefault(namespace, CANONICAL_NAMESPACES.get(namespace));
    if (prefix == null) {
      prefix = "Namespace " + namespace;
    }
    String rest;
    if (entity != null) {
      rest = entity.letter + (1 + random.nextLong(Math.max(1, entity.max)));
    } else if (namespace == 2 || namespace == 3) {
      rest = user(false);
    } else {
      rest = words(wiki);
      if (namespace == 6) {
        rest = rest + "." + profile.fileExtensions.pick(random);
      }
    }
    return prefix.isEmpty() ? rest : prefix + ":" + rest;
  }

  private String words(Profile.Wiki wiki) {
    List<String> pool = wiki.words.size() >= 8 ? wiki.words : profile.allWords;
    int count = wiki.spacedTitles ? 1 + profile.titleWordCounts.pick(random) : 1;
    StringBuilder title = new StringBuilder();
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        title.append(' ');
      }
      String word = pool.get(random.nextInt(pool.size()));
      title.append(i == 0 ? capitalize(word) : word);
    }
    return title.toString();
  }

  private String comment(Profile.Wiki wiki, String type, @Nullable Profile.LogAction logAction) {
    if (random.nextDouble() < profile.emptyCommentShare.getOrDefault(type, 0.0)) {
      return "";
    }
    if (logAction != null) {
      return logAction.comments.isEmpty()
          ? ""
          : logAction.comments.get(random.nextInt(logAction.comments.size()));
    }
    List<String> pool = wiki.comments.getOrDefault(type, List.of());
    if (pool.isEmpty()) {
      pool = profile.genericComments.getOrDefault(type, List.of());
    }
    if (pool.isEmpty()) {
      return "";
    }
    String comment = pool.get(random.nextInt(pool.size()));
    if (comment.contains("{page}")) {
      int namespace = wiki.prefixes.containsKey(6) && random.nextBoolean() ? 6 : 0;
      comment = comment.replace("{page}", title(wiki, namespace));
    }
    return comment;
  }

  private void patrolled(ObjectNode event, Profile.Wiki wiki) {
    if (wiki.patrolled) {
      event.put("patrolled", random.nextDouble() < profile.patrolledTrueShare);
    }
  }

  private JsonNode logParams(JsonNode shape, Profile.Wiki wiki, Instant time) {
    if (shape.isObject()) {
      ObjectNode params = JSON.objectNode();
      Iterator<Map.Entry<String, JsonNode>> fields = shape.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        params.set(field.getKey(), logParams(field.getValue(), wiki, time));
      }
      return params;
    }
    if (shape.isArray()) {
      ArrayNode params = JSON.arrayNode();
      shape.forEach(s -> params.add(logParams(s, wiki, time)));
      return params;
    }
    if (!shape.isTextual()) {
      return shape;
    }
    return switch (shape.asText()) {
      case "$int" -> JSON.numberNode(1 + random.nextLong(100_000_000L));
      case "$digits" -> JSON.textNode(String.valueOf(1 + random.nextInt(1_000)));
      case "$timestamp14" -> JSON.textNode(TIMESTAMP14.format(time));
      case "$sha1base36" -> JSON.textNode(base36(31));
      case "$title" -> JSON.textNode(title(wiki, 0));
      default -> shape;
    };
  }

  /** The next value of a per-wiki increasing id (rcid, revision, log id). */
  private long next(Profile.Wiki wiki, String name, long observedMax, int maxStep) {
    long[] counter =
        counters.computeIfAbsent(
            wiki.wiki + "/" + name,
            k -> new long[] {Math.max(observedMax, 1_000_000L) + random.nextInt(100_000)});
    counter[0] += 1 + random.nextInt(maxStep);
    return counter[0];
  }

  /** A value from 21 quantiles: a uniform bucket, then linear within it. */
  private long sample(long[] quantiles) {
    if (quantiles.length < 2) {
      return quantiles.length == 1 ? quantiles[0] : 0;
    }
    int bucket = random.nextInt(quantiles.length - 1);
    long low = quantiles[bucket];
    long high = quantiles[bucket + 1];
    return low + (long) (random.nextDouble() * (high - low));
  }

  private String uuid() {
    return uuid(random.nextLong(), random.nextLong());
  }

  /** A version-4 UUID from two random longs. */
  static String uuid(long msb, long lsb) {
    long version4 = (msb & ~0xF000L) | 0x4000L;
    long variant = (lsb & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(version4, variant).toString();
  }

  private String ipv4() {
    return (1 + random.nextInt(223))
        + "."
        + random.nextInt(256)
        + "."
        + random.nextInt(256)
        + "."
        + (1 + random.nextInt(254));
  }

  private String ipv6() {
    StringBuilder ip =
        new StringBuilder(String.format(Locale.ROOT, "2%03X", random.nextInt(0x1000)));
    for (int i = 0; i < 7; i++) {
      ip.append(':').append(Integer.toHexString(random.nextInt(0x10000)).toUpperCase(Locale.ROOT));
    }
    return ip.toString();
  }

  private String base36(int length) {
    String digits = "0123456789abcdefghijklmnopqrstuvwxyz";
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append(digits.charAt(random.nextInt(digits.length())));
    }
    return out.toString();
  }

  private Map<String, byte[]> headers() {
    if (random.nextDouble() >= TRACED_SHARE) {
      return Map.of();
    }
    String trace =
        String.format(
            Locale.ROOT,
            "00-%016x%016x-%016x-01",
            random.nextLong(),
            random.nextLong(),
            random.nextLong());
    Map<String, byte[]> headers = new LinkedHashMap<>();
    headers.put("traceparent", trace.getBytes(StandardCharsets.US_ASCII));
    return Collections.unmodifiableMap(headers);
  }

  private @Nullable byte[] badKey(Draft draft) {
    return random.nextDouble() < NULL_KEY_SHARE ? null : draft.key();
  }

  // ---------------------------------------------------------------------------------------------
  // Bad records

  private GeneratedRecord record(
      Kind kind, @Nullable byte[] key, Map<String, byte[]> headers, Draft draft, String text) {
    return record(kind, key, headers, draft, text.getBytes(StandardCharsets.UTF_8));
  }

  private GeneratedRecord record(
      Kind kind, @Nullable byte[] key, Map<String, byte[]> headers, Draft draft, byte[] value) {
    return new GeneratedRecord(kind, key, value, headers, draft.id());
  }

  private String malformed(String text) {
    // Every event starts with {"$schema":"...", so the edits below hit syntax, never a string.
    return switch (random.nextInt(3)) {
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
  }

  private String trailingGarbage(String text) {
    String[] tails = {" garbage", "}", "{\"second\":\"document\"}", ","};
    return text + tails[random.nextInt(tails.length)];
  }

  private String nonFinite(ObjectNode event) {
    // A number no real event has marks the spot; Jackson cannot write NaN as a JSON number.
    long placeholder = 987_654_321_987_654_321L;
    event.put("namespace", placeholder);
    String[] values = {"NaN", "Infinity", "-Infinity"};
    return text(event)
        .replace(
            "\"namespace\":" + placeholder,
            "\"namespace\":" + values[random.nextInt(values.length)]);
  }

  private byte[] rootScalar(Draft draft) {
    String text =
        switch (random.nextInt(3)) {
          case 0 -> text(TextNode.valueOf(draft.event.path("title").asText()));
          case 1 -> String.valueOf(draft.event.path("timestamp").asLong());
          default -> "true";
        };
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private byte[] invalidUtf8(ObjectNode event) {
    event.put("comment", event.path("comment").asText() + " " + INVALID_MARKER);
    byte[] json = json(event);
    byte[][] sequences = {
      bytes(0xFF), // never valid in UTF-8
      bytes(0x80), // a continuation byte with no lead byte
      bytes(0xC0, 0xAF), // overlong encoding of '/'
      bytes(0xE2, 0x82), // a 3-byte sequence cut short (an ASCII space follows)
      bytes(0xED, 0xA0, 0x80), // a UTF-16 surrogate (U+D800) encoded as UTF-8: CESU, not UTF-8
      bytes(0xF8, 0x88, 0x80, 0x80, 0x80), // a 5-byte form, outlawed since RFC 3629
    };
    byte[] bad = sequences[random.nextInt(sequences.length)];
    byte[] marker = INVALID_MARKER.getBytes(StandardCharsets.US_ASCII);
    int at = indexOf(json, marker);
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length);
    out.write(json, 0, at);
    out.writeBytes(bad);
    out.write(' ');
    out.write(json, at + marker.length, json.length - at - marker.length);
    return out.toByteArray();
  }

  private byte[] utf16(String text) {
    return switch (random.nextInt(3)) {
      case 0 -> concat(bytes(0xFE, 0xFF), text.getBytes(StandardCharsets.UTF_16BE));
      case 1 -> concat(bytes(0xFF, 0xFE), text.getBytes(StandardCharsets.UTF_16LE));
      default -> text.getBytes(StandardCharsets.UTF_16LE);
    };
  }

  private static byte[] gzip(byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private byte[] confluent(byte[] value) {
    // Confluent's schema-registry serializers: magic byte 0, then the schema id as a big-endian
    // int.
    return ByteBuffer.allocate(5 + value.length)
        .put((byte) 0)
        .putInt(1 + random.nextInt(100_000))
        .put(value)
        .array();
  }

  /** A complete Avro object container file with one record {@code {json: <text>}}. */
  private byte[] avroContainer(String text) {
    String schema =
        "{\"type\":\"record\",\"name\":\"RecentChange\",\"namespace\":\"org.wikimedia\","
            + "\"fields\":[{\"name\":\"json\",\"type\":\"string\"}]}";
    byte[] sync = new byte[16];
    for (int i = 0; i < sync.length; i++) {
      sync[i] = (byte) random.nextInt(256);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {'O', 'b', 'j', 1});
    avroLong(out, 2); // file metadata: a map block of two entries, then an empty block
    avroBytes(out, "avro.schema".getBytes(StandardCharsets.UTF_8));
    avroBytes(out, schema.getBytes(StandardCharsets.UTF_8));
    avroBytes(out, "avro.codec".getBytes(StandardCharsets.UTF_8));
    avroBytes(out, "null".getBytes(StandardCharsets.UTF_8));
    avroLong(out, 0);
    out.writeBytes(sync);
    ByteArrayOutputStream datum = new ByteArrayOutputStream();
    avroBytes(datum, text.getBytes(StandardCharsets.UTF_8));
    avroLong(out, 1); // objects in the block
    avroLong(out, datum.size()); // bytes in the block
    out.writeBytes(datum.toByteArray());
    out.writeBytes(sync);
    return out.toByteArray();
  }

  private static void avroLong(ByteArrayOutputStream out, long value) {
    long zigzag = (value << 1) ^ (value >> 63);
    while ((zigzag & ~0x7FL) != 0) {
      out.write((int) ((zigzag & 0x7F) | 0x80));
      zigzag >>>= 7;
    }
    out.write((int) zigzag);
  }

  private static void avroBytes(ByteArrayOutputStream out, byte[] bytes) {
    avroLong(out, bytes.length);
    out.writeBytes(bytes);
  }

  private byte[] oversized(ObjectNode event) {
    int base = json(event).length;
    List<String> pool = profile.genericComments.getOrDefault("edit", List.of("revert"));
    StringBuilder comment = new StringBuilder(OVERSIZED_BYTES - base + 256);
    // The comment is ASCII-safe only if the snippets are; count bytes, not chars.
    int bytes = 0;
    while (base + bytes <= OVERSIZED_BYTES) {
      String snippet = pool.get(random.nextInt(pool.size())) + " ";
      comment.append(snippet);
      bytes += snippet.getBytes(StandardCharsets.UTF_8).length;
    }
    event.put("comment", comment.toString());
    return json(event);
  }

  private String deepNesting(String text) {
    StringBuilder nested = new StringBuilder("{\"nested\":");
    boolean arrays = random.nextBoolean();
    for (int i = 0; i < NESTING_DEPTH; i++) {
      nested.append(arrays ? "[" : "{\"a\":");
    }
    nested.append(arrays ? "" : "1");
    for (int i = 0; i < NESTING_DEPTH; i++) {
      nested.append(arrays ? "]" : "}");
    }
    return nested.append(',').append(text.substring(1)).toString();
  }

  private String duplicateKey(Draft draft) {
    String field;
    JsonNode value;
    switch (random.nextInt(3)) {
      case 0 -> {
        field = "title";
        value = TextNode.valueOf(title(draft.wiki, 0));
      }
      case 1 -> {
        field = "type";
        value = TextNode.valueOf(draft.event.path("type").asText().equals("edit") ? "log" : "edit");
      }
      default -> {
        field = "user";
        value = TextNode.valueOf(user(false));
      }
    }
    // The extra key comes first; the event's own key follows later, so "last wins" parsers
    // silently keep the real value.
    return "{\"" + field + "\":" + text(value) + "," + text(draft.event).substring(1);
  }

  private byte[] wrongType(ObjectNode event) {
    if (random.nextBoolean()) {
      event.put("namespace", String.valueOf(event.path("namespace").asInt()));
    } else {
      event.put("bot", String.valueOf(event.path("bot").asBoolean()));
    }
    return json(event);
  }

  private String notUuid() {
    String uuid = uuid();
    return switch (random.nextInt(3)) {
      case 0 -> uuid.replace("-", "");
      case 1 -> "evt-" + (10_000_000 + random.nextInt(90_000_000));
      default -> uuid.substring(0, 30) + "zzzzzz";
    };
  }

  private String unparseableTime(Instant time) {
    return switch (random.nextInt(4)) {
      case 0 -> "yesterday";
      case 1 -> "2024-02-30T10:00:00Z";
      case 2 -> String.valueOf(time.getEpochSecond());
      default ->
          DateTimeFormatter.ofPattern("dd/MM/yyyy HH:mm:ss", Locale.ROOT)
              .withZone(ZoneOffset.UTC)
              .format(time);
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Text helpers

  private static byte[] json(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String text(JsonNode node) {
    return new String(json(node), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalStateException("marker not found");
  }

  private static String capitalize(String word) {
    return word.isEmpty()
        ? word
        : word.substring(0, 1).toUpperCase(Locale.ROOT) + word.substring(1);
  }

  /** MediaWiki-style title URL path: spaces become underscores, the rest is percent-encoded. */
  static String encodeTitle(String title) {
    StringBuilder out = new StringBuilder();
    for (byte b : title.replace(' ', '_').getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "-._~:/,()!*;@$".indexOf(c) >= 0) {
        out.append((char) c);
      } else {
        out.append('%').append(String.format(Locale.ROOT, "%02X", c));
      }
    }
    return out.toString();
  }

  private static final Pattern AUTOCOMMENT = Pattern.compile("/\\* (.*?) \\*/");
  private static final Pattern LINK = Pattern.compile("\\[\\[([^\\]|]+)(?:\\|([^\\]]*))?\\]\\]");

  /** A plausible {@code parsedcomment}: the comment as MediaWiki's simple HTML. */
  static String parseComment(String comment) {
    String html =
        comment
            .replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("\"", "&quot;");
    Matcher auto = AUTOCOMMENT.matcher(html);
    html =
        auto.replaceAll(
            m ->
                Matcher.quoteReplacement(
                    "<span dir=\"auto\"><span class=\"autocomment\">"
                        + m.group(1)
                        + "</span></span>"));
    Matcher link = LINK.matcher(html);
    return link.replaceAll(
        m -> {
          String target = m.group(1).startsWith(":") ? m.group(1).substring(1) : m.group(1);
          String label = m.group(2) != null ? m.group(2) : target;
          return Matcher.quoteReplacement(
              "<a href=\"/wiki/"
                  + encodeTitle(target)
                  + "\" title=\""
                  + target
                  + "\">"
                  + label
                  + "</a>");
        });
  }

  private static Map<Integer, String> canonicalNamespaces() {
    Map<Integer, String> names = new HashMap<>();
    names.put(1, "Talk");
    names.put(2, "User");
    names.put(3, "User talk");
    names.put(4, "Project");
    names.put(5, "Project talk");
    names.put(6, "File");
    names.put(7, "File talk");
    names.put(8, "MediaWiki");
    names.put(10, "Template");
    names.put(11, "Template talk");
    names.put(12, "Help");
    names.put(14, "Category");
    names.put(15, "Category talk");
    names.put(100, "Portal");
    names.put(118, "Draft");
    names.put(828, "Module");
    return Collections.unmodifiableMap(names);
  }

  // ---------------------------------------------------------------------------------------------
  // Profile

  /** Weighted choice over a fixed list. */
  private static final class Weighted<T> {
    final List<T> items;
    private final double[] cumulative;

    Weighted(List<T> items, List<Double> weights) {
      this.items = List.copyOf(items);
      this.cumulative = new double[items.size()];
      double total = 0;
      for (int i = 0; i < items.size(); i++) {
        total += weights.get(i);
        cumulative[i] = total;
      }
    }

    boolean isEmpty() {
      return items.isEmpty();
    }

    T pick(SplittableRandom random) {
      double u = random.nextDouble() * cumulative[cumulative.length - 1];
      int index = Arrays.binarySearch(cumulative, u);
      index = index >= 0 ? index + 1 : -index - 1;
      return items.get(Math.min(index, items.size() - 1));
    }
  }

  /** The parsed profile resource; see {@code ProfileBuilder} for its fields. */
  public static final class Profile {

    private static volatile Profile defaultProfile;

    final Weighted<Wiki> wikis;
    final Weighted<String> bots;
    final Weighted<String> humans;
    final double anonymousShare;
    final double ipv6Share;
    final double minorShare;
    final double patrolledTrueShare;
    final Map<String, Double> emptyCommentShare;
    final Weighted<Integer> titleWordCounts;
    final Weighted<String> fileExtensions;
    final long[] editOldLengths;
    final long[] editDeltas;
    final long[] newLengths;
    final Map<String, List<String>> genericComments;
    final Weighted<LogAction> logActions;
    final List<String> allWords;

    private Profile(JsonNode root) {
      List<Wiki> wikiList = new ArrayList<>();
      List<Double> wikiWeights = new ArrayList<>();
      List<String> words = new ArrayList<>();
      for (JsonNode w : root.path("wikis")) {
        Wiki wiki = new Wiki(w);
        wikiList.add(wiki);
        wikiWeights.add(w.path("weight").asDouble());
        words.addAll(wiki.words);
      }
      if (wikiList.isEmpty()) {
        throw new IllegalArgumentException("the profile has no wikis");
      }
      this.wikis = new Weighted<>(wikiList, wikiWeights);
      this.allWords = words.isEmpty() ? List.of("Page") : List.copyOf(words);
      JsonNode users = root.path("users");
      this.bots = weightedStrings(users.path("bots"));
      this.humans = weightedStrings(users.path("humans"));
      this.anonymousShare = users.path("anonymousShare").asDouble();
      this.ipv6Share = users.path("ipv6Share").asDouble();
      this.minorShare = root.path("minorShare").asDouble();
      this.patrolledTrueShare = root.path("patrolledTrueShare").asDouble();
      Map<String, Double> empty = new HashMap<>();
      root.path("emptyCommentShare")
          .fields()
          .forEachRemaining(e -> empty.put(e.getKey(), e.getValue().asDouble()));
      this.emptyCommentShare = Collections.unmodifiableMap(empty);
      List<Integer> counts = new ArrayList<>();
      List<Double> countWeights = new ArrayList<>();
      JsonNode wordCounts = root.path("titleWordCounts");
      for (int i = 0; i < wordCounts.size(); i++) {
        counts.add(i);
        countWeights.add(wordCounts.get(i).asDouble());
      }
      if (counts.isEmpty()) {
        counts.add(0);
        countWeights.add(1.0);
      }
      this.titleWordCounts = new Weighted<>(counts, countWeights);
      Weighted<String> extensions = weightedStrings(root.path("fileExtensions"));
      this.fileExtensions =
          extensions.isEmpty() ? new Weighted<>(List.of("jpg"), List.of(1.0)) : extensions;
      JsonNode lengths = root.path("lengths");
      this.editOldLengths = longs(lengths.path("editOld"));
      this.editDeltas = longs(lengths.path("editDelta"));
      this.newLengths = longs(lengths.path("newLength"));
      this.genericComments = stringLists(root.path("genericComments"), Function.identity());
      List<LogAction> actions = new ArrayList<>();
      List<Double> actionWeights = new ArrayList<>();
      for (JsonNode a : root.path("logActions")) {
        actions.add(new LogAction(a));
        actionWeights.add(a.path("weight").asDouble());
      }
      if (actions.isEmpty()) {
        actions.add(
            new LogAction(MAPPER.createObjectNode().put("type", "delete").put("action", "delete")));
        actionWeights.add(1.0);
      }
      this.logActions = new Weighted<>(actions, actionWeights);
    }

    /** Reads a profile document (the format ProfileBuilder writes). */
    public static Profile read(InputStream json) throws IOException {
      return new Profile(MAPPER.readTree(json));
    }

    /** The profile bundled as {@value EventFactory#PROFILE_RESOURCE}, read once. */
    public static Profile defaultProfile() {
      Profile profile = defaultProfile;
      if (profile == null) {
        synchronized (Profile.class) {
          profile = defaultProfile;
          if (profile == null) {
            try (InputStream in =
                EventFactory.class.getClassLoader().getResourceAsStream(PROFILE_RESOURCE)) {
              if (in == null) {
                throw new IllegalStateException("missing classpath resource " + PROFILE_RESOURCE);
              }
              profile = read(in);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            defaultProfile = profile;
          }
        }
      }
      return profile;
    }

    private static Weighted<String> weightedStrings(JsonNode pairs) {
      List<String> items = new ArrayList<>();
      List<Double> weights = new ArrayList<>();
      for (JsonNode pair : pairs) {
        items.add(pair.get(0).asText());
        weights.add(pair.get(1).asDouble());
      }
      return new Weighted<>(items, weights);
    }

    private static long[] longs(JsonNode array) {
      long[] out = new long[array.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = array.get(i).asLong();
      }
      return out;
    }

    private static <K> Map<K, List<String>> stringLists(JsonNode object, Function<String, K> key) {
      Map<K, List<String>> out = new LinkedHashMap<>();
      object
          .fields()
          .forEachRemaining(
              e -> {
                List<String> values = new ArrayList<>();
                e.getValue().forEach(v -> values.add(v.asText()));
                out.put(key.apply(e.getKey()), List.copyOf(values));
              });
      return Collections.unmodifiableMap(out);
    }

    /** One wiki: its server, mix of changes and vocabulary. */
    static final class Wiki {
      final String wiki;
      final String serverName;
      final double botShare;
      final boolean patrolled;
      final boolean spacedTitles;
      final long maxRcid;
      final long maxRevision;
      final long maxLogId;
      final Weighted<Change> changes;
      final Map<Integer, String> prefixes;
      final Map<Integer, Entity> entities;
      final List<String> words;
      final Map<String, List<String>> comments;

      Wiki(JsonNode w) {
        this.wiki = w.path("wiki").asText();
        this.serverName = w.path("serverName").asText();
        this.botShare = w.path("botShare").asDouble();
        this.patrolled = w.path("patrolled").asBoolean();
        this.spacedTitles = w.path("spacedTitles").asBoolean(true);
        this.maxRcid = w.path("maxRcid").asLong();
        this.maxRevision = w.path("maxRevision").asLong();
        this.maxLogId = w.path("maxLogId").asLong();
        List<Change> changeList = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        for (JsonNode c : w.path("changes")) {
          changeList.add(new Change(c.get(0).asText(), c.get(1).asInt()));
          weights.add(c.get(2).asDouble());
        }
        if (changeList.isEmpty()) {
          changeList.add(new Change("edit", 0));
          weights.add(1.0);
        }
        this.changes = new Weighted<>(changeList, weights);
        Map<Integer, String> prefixMap = new HashMap<>();
        w.path("prefixes")
            .fields()
            .forEachRemaining(
                e -> prefixMap.put(Integer.valueOf(e.getKey()), e.getValue().asText()));
        this.prefixes = Collections.unmodifiableMap(prefixMap);
        Map<Integer, Entity> entityMap = new HashMap<>();
        w.path("entities")
            .fields()
            .forEachRemaining(
                e ->
                    entityMap.put(
                        Integer.valueOf(e.getKey()),
                        new Entity(
                            e.getValue().path("letter").asText(),
                            e.getValue().path("max").asLong())));
        this.entities = Collections.unmodifiableMap(entityMap);
        List<String> wordList = new ArrayList<>();
        w.path("words").forEach(x -> wordList.add(x.asText()));
        this.words = List.copyOf(wordList);
        this.comments = stringLists(w.path("comments"), Function.identity());
      }
    }

    /** A (type, namespace) pair of the change mix. */
    record Change(String type, int namespace) {}

    /** Titles of a namespace that are entity ids, e.g. Q followed by a number up to max. */
    record Entity(String letter, long max) {}

    /** A log type/action with its namespaces, params shape and comment templates. */
    static final class LogAction {
      final String type;
      final String action;
      final double rcidNullShare;
      final Map<Integer, Integer> namespaces;
      final JsonNode params;
      final List<String> comments;
      final List<String> actionComments;

      LogAction(JsonNode a) {
        this.type = a.path("type").asText();
        this.action = a.path("action").asText();
        this.rcidNullShare = a.path("rcidNullShare").asDouble();
        Map<Integer, Integer> ns = new HashMap<>();
        a.path("namespaces")
            .fields()
            .forEachRemaining(e -> ns.put(Integer.valueOf(e.getKey()), e.getValue().asInt()));
        this.namespaces = Collections.unmodifiableMap(ns);
        this.params = a.has("params") ? a.get("params") : JSON.arrayNode();
        List<String> c = new ArrayList<>();
        a.path("comments").forEach(x -> c.add(x.asText()));
        this.comments = List.copyOf(c);
        List<String> t = new ArrayList<>();
        a.path("actionComments").forEach(x -> t.add(x.asText()));
        this.actionComments = List.copyOf(t);
      }
    }
  }

  /** Configures an {@link EventFactory}. */
  public static final class Builder {
    private long seed = 42;
    private double badShare = 0.05;
    private double duplicateShare = 0.01;
    private Clock clock = Clock.systemUTC();
    private boolean allowOversized = true;
    private @Nullable Profile profile;

    private Builder() {}

    /** Seed of every random choice: same seed, same shares, same clock readings, same records. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Fraction of records that are bad (0..1). */
    public Builder badShare(double share) {
      this.badShare = share;
      return this;
    }

    /** Fraction of records that re-send a recent good event (0..1). */
    public Builder duplicateShare(double share) {
      this.duplicateShare = share;
      return this;
    }

    /** The clock that event times are taken from. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Whether {@link Kind#OVERSIZED} records (over 1 MiB) may be made; off when the topic or the
     * producer cannot take them.
     */
    public Builder allowOversized(boolean allow) {
      this.allowOversized = allow;
      return this;
    }

    /** A profile other than the bundled one. */
    public Builder profile(Profile profile) {
      this.profile = Objects.requireNonNull(profile, "profile");
      return this;
    }

    public EventFactory build() {
      if (!(badShare >= 0 && duplicateShare >= 0 && badShare + duplicateShare <= 1)) {
        throw new IllegalArgumentException(
            "badShare and duplicateShare must be >= 0 with a sum <= 1, got "
                + badShare
                + " and "
                + duplicateShare);
      }
      return new EventFactory(this);
    }
  }
}
