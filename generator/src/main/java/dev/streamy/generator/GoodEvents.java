package dev.streamy.generator;

import static dev.streamy.generator.Json.NODES;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import javax.annotation.Nullable;

/**
 * Composes realistic {@code mediawiki/recentchange} 1.0.0 events from the {@link Profile}: a wiki,
 * a type and namespace, a user, a title, a comment, lengths, revisions or log details, a fresh
 * seeded UUID and an event time of "now" from the clock with a little jitter.
 */
final class GoodEvents {

  private static final double TRACED_SHARE = 0.3;
  private static final DateTimeFormatter TIMESTAMP14 =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final Profile profile;
  private final SplittableRandom random;
  private final Clock clock;
  private final Map<String, long[]> counters = new HashMap<>();
  private long metaOffset;

  GoodEvents(Profile profile, SplittableRandom random, Clock clock) {
    this.profile = profile;
    this.random = random;
    this.clock = clock;
    this.metaOffset = 5_000_000_000L + random.nextLong(1_000_000_000L);
  }

  Profile profile() {
    return profile;
  }

  /** A new schema-valid event. */
  Draft draft() {
    Profile.Wiki wiki = profile.wikis.pick(random);
    Profile.Change change = wiki.changes.pick(random);
    String type = change.type();
    int namespace = change.namespace();
    Instant time =
        clock.instant().plusMillis(random.nextInt(-2_000, 1_000)).truncatedTo(ChronoUnit.SECONDS);
    boolean bot = random.nextDouble() < wiki.botShare;
    String user = user(bot);
    Profile.LogAction logAction = type.equals("log") ? logAction(namespace) : null;
    String title = title(wiki, namespace);
    String serverUrl = "https://" + wiki.serverName;
    String titleUrl = serverUrl + "/wiki/" + MediaWikiText.encodeTitle(title);
    long rcid = nextId(wiki, "rcid", wiki.maxRcid, 40);

    ObjectNode event = NODES.objectNode();
    event.put("$schema", EventFactory.SCHEMA_URI);
    ObjectNode meta = event.putObject("meta");
    meta.put("uri", titleUrl);
    meta.put("request_id", uuid());
    meta.put("id", uuid());
    meta.put("dt", DateTimeFormatter.ISO_INSTANT.format(time));
    meta.put("domain", wiki.serverName);
    meta.put("stream", EventFactory.STREAM);
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
        long revision = nextId(wiki, "revision", wiki.maxRevision, 30);
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
        long revision = nextId(wiki, "revision", wiki.maxRevision, 30);
        event.put("notify_url", serverUrl + "/w/index.php?oldid=" + revision + "&rcid=" + rcid);
        event.put("minor", false);
        patrolled(event, wiki);
        event.putObject("length").put("new", Math.max(1, sample(profile.newLengths)));
        event.putObject("revision").put("new", revision);
      }
      case "categorize" -> {
        long revision = nextId(wiki, "revision", wiki.maxRevision, 30);
        event.put(
            "notify_url", serverUrl + "/w/index.php?diff=" + revision + "&oldid=0&rcid=" + rcid);
      }
      case "log" -> {
        event.put("log_id", nextId(wiki, "log", wiki.maxLogId, 20));
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
    event.put("parsedcomment", MediaWikiText.parseComment(comment));
    return Draft.of(event, time, wiki);
  }

  /** The record headers: a W3C {@code traceparent} on a share of records, else none. */
  Map<String, byte[]> headers() {
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

  /** A user name: a bot's, a registered human's or an IP address. */
  String user(boolean bot) {
    if (bot && !profile.bots.isEmpty()) {
      return profile.bots.pick(random);
    }
    if (random.nextDouble() < profile.anonymousShare || profile.humans.isEmpty()) {
      return random.nextDouble() < profile.ipv6Share ? ipv6() : ipv4();
    }
    return profile.humans.pick(random);
  }

  /** A page title of the namespace, with the wiki's namespace prefix. */
  String title(Profile.Wiki wiki, int namespace) {
    Profile.Entity entity = wiki.entities.get(namespace);
    String prefix =
        namespace == 0
            ? ""
            : wiki.prefixes.getOrDefault(
                namespace, MediaWikiText.CANONICAL_NAMESPACES.get(namespace));
    if (prefix == null) {
      prefix = "Namespace " + namespace;
    }
    String rest;
    if (entity != null) {
      rest = entity.letter() + (1 + random.nextLong(Math.max(1, entity.max())));
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

  /** A fresh seeded version-4 UUID. */
  String uuid() {
    return uuid(random.nextLong(), random.nextLong());
  }

  /** A version-4 UUID from two random longs. */
  static String uuid(long msb, long lsb) {
    long version4 = (msb & ~0xF000L) | 0x4000L;
    long variant = (lsb & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(version4, variant).toString();
  }

  private Profile.LogAction logAction(int namespace) {
    List<Profile.LogAction> fitting = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    for (Profile.LogAction action : profile.logActions.items()) {
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

  private String words(Profile.Wiki wiki) {
    List<String> pool = wiki.words.size() >= 8 ? wiki.words : profile.allWords;
    int count = wiki.spacedTitles ? 1 + profile.titleWordCounts.pick(random) : 1;
    StringBuilder title = new StringBuilder();
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        title.append(' ');
      }
      String word = pool.get(random.nextInt(pool.size()));
      title.append(i == 0 ? MediaWikiText.capitalize(word) : word);
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
      ObjectNode params = NODES.objectNode();
      Iterator<Map.Entry<String, JsonNode>> fields = shape.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        params.set(field.getKey(), logParams(field.getValue(), wiki, time));
      }
      return params;
    }
    if (shape.isArray()) {
      ArrayNode params = NODES.arrayNode();
      shape.forEach(s -> params.add(logParams(s, wiki, time)));
      return params;
    }
    if (!shape.isTextual()) {
      return shape;
    }
    return switch (shape.asText()) {
      case "$int" -> NODES.numberNode(1 + random.nextLong(100_000_000L));
      case "$digits" -> NODES.textNode(String.valueOf(1 + random.nextInt(1_000)));
      case "$timestamp14" -> NODES.textNode(TIMESTAMP14.format(time));
      case "$sha1base36" -> NODES.textNode(base36(31));
      case "$title" -> NODES.textNode(title(wiki, 0));
      default -> shape;
    };
  }

  /** The next value of a per-wiki increasing id (rcid, revision, log id). */
  private long nextId(Profile.Wiki wiki, String name, long observedMax, int maxStep) {
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
}
