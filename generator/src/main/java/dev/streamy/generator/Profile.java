package dev.streamy.generator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The statistical profile good events are composed from: weighted wikis and their servers, type and
 * namespace mix, bot share, user names, title words, comment snippets, length quantiles and log
 * actions, read from the document {@code ProfileBuilder} derives from a real capture.
 *
 * <p>The fields are parsed views of that document, read once and never changed.
 */
public final class Profile {

  /** Classpath resource of the bundled profile. */
  public static final String RESOURCE = "generator/recentchange-profile.json";

  private static volatile Profile bundled;

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
    forEachField(
        root.path("emptyCommentShare"), (name, share) -> empty.put(name, share.asDouble()));
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
    this.genericComments = stringLists(root.path("genericComments"));
    List<LogAction> actions = new ArrayList<>();
    List<Double> actionWeights = new ArrayList<>();
    for (JsonNode a : root.path("logActions")) {
      actions.add(new LogAction(a));
      actionWeights.add(a.path("weight").asDouble());
    }
    if (actions.isEmpty()) {
      JsonNodeFactory json = JsonNodeFactory.instance;
      actions.add(new LogAction(json.objectNode().put("type", "delete").put("action", "delete")));
      actionWeights.add(1.0);
    }
    this.logActions = new Weighted<>(actions, actionWeights);
  }

  /** Reads a profile document (the format ProfileBuilder writes). */
  public static Profile read(InputStream json) throws IOException {
    return new Profile(Json.MAPPER.readTree(json));
  }

  /** The profile bundled as {@value #RESOURCE}, read once. */
  public static Profile bundled() {
    Profile profile = bundled;
    if (profile == null) {
      synchronized (Profile.class) {
        profile = bundled;
        if (profile == null) {
          try (InputStream in = Profile.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
              throw new IllegalStateException("missing classpath resource " + RESOURCE);
            }
            profile = read(in);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          bundled = profile;
        }
      }
    }
    return profile;
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

    private Wiki(JsonNode w) {
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
        changeList.add(Change.of(c.get(0).asText(), c.get(1).asInt()));
        weights.add(c.get(2).asDouble());
      }
      if (changeList.isEmpty()) {
        changeList.add(Change.of("edit", 0));
        weights.add(1.0);
      }
      this.changes = new Weighted<>(changeList, weights);
      Map<Integer, String> prefixMap = new HashMap<>();
      forEachField(
          w.path("prefixes"), (ns, prefix) -> prefixMap.put(Integer.valueOf(ns), prefix.asText()));
      this.prefixes = Collections.unmodifiableMap(prefixMap);
      Map<Integer, Entity> entityMap = new HashMap<>();
      forEachField(
          w.path("entities"),
          (ns, entity) ->
              entityMap.put(
                  Integer.valueOf(ns),
                  Entity.of(entity.path("letter").asText(), entity.path("max").asLong())));
      this.entities = Collections.unmodifiableMap(entityMap);
      this.words = strings(w.path("words"));
      this.comments = stringLists(w.path("comments"));
    }
  }

  /** A (type, namespace) pair of the change mix. */
  @AutoValue
  abstract static class Change {
    abstract String type();

    abstract int namespace();

    static Change of(String type, int namespace) {
      return new AutoValue_Profile_Change(type, namespace);
    }
  }

  /** Titles of a namespace that are entity ids, e.g. Q followed by a number up to max. */
  @AutoValue
  abstract static class Entity {
    abstract String letter();

    abstract long max();

    static Entity of(String letter, long max) {
      return new AutoValue_Profile_Entity(letter, max);
    }
  }

  /** A log type/action with its namespaces, params shape and comment templates. */
  static final class LogAction {
    final String type;
    final String action;
    final double rcidNullShare;
    final Map<Integer, Integer> namespaces;
    final JsonNode params;
    final List<String> comments;
    final List<String> actionComments;

    private LogAction(JsonNode a) {
      this.type = a.path("type").asText();
      this.action = a.path("action").asText();
      this.rcidNullShare = a.path("rcidNullShare").asDouble();
      Map<Integer, Integer> ns = new HashMap<>();
      forEachField(
          a.path("namespaces"), (name, weight) -> ns.put(Integer.valueOf(name), weight.asInt()));
      this.namespaces = Collections.unmodifiableMap(ns);
      this.params = a.has("params") ? a.get("params") : JsonNodeFactory.instance.arrayNode();
      this.comments = strings(a.path("comments"));
      this.actionComments = strings(a.path("actionComments"));
    }
  }

  private static void forEachField(JsonNode object, BiConsumer<String, JsonNode> action) {
    object.fields().forEachRemaining(e -> action.accept(e.getKey(), e.getValue()));
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

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(x -> out.add(x.asText()));
    return List.copyOf(out);
  }

  private static Map<String, List<String>> stringLists(JsonNode object) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    forEachField(object, (name, values) -> out.put(name, strings(values)));
    return Collections.unmodifiableMap(out);
  }
}
