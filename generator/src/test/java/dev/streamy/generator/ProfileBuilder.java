package dev.streamy.generator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Derives the generator's statistical profile of Wikimedia recentchange events from a real capture.
 *
 * <p>The profile holds distributions and small vocabularies (wikis with their servers, type and
 * namespace mix, bot share, user names, title words, comment snippets, length quantiles, log
 * actions), never whole events. {@link GoodEvents} composes new events from it ({@link Profile}
 * reads it). Rebuild it from the repository root with:
 *
 * <pre>
 * mvn -o -q -pl generator -am test-compile dependency:build-classpath \
 *   -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
 * java -cp "generator/target/test-classes:generator/target/classes:$(cat generator/target/test-classpath.txt)" \
 *   dev.streamy.generator.ProfileBuilder ../shared/data/wikimedia-recentchange-real.ndjson \
 *   generator/src/main/resources/generator/recentchange-profile.json
 * </pre>
 *
 * <p>The output is deterministic for a given input (sorted, capped), so a rebuild without new data
 * is a no-op diff.
 */
public final class ProfileBuilder {

  private static final int MAX_WORDS_PER_WIKI = 80;
  private static final int MAX_COMMENTS_PER_WIKI_AND_TYPE = 8;
  private static final int MAX_GENERIC_COMMENTS = 40;
  private static final int MAX_COMMENT_CHARS = 180;
  private static final int MAX_BOTS = 60;
  private static final int MAX_HUMANS = 250;
  private static final int MAX_LOG_COMMENTS = 4;
  private static final Pattern IP =
      Pattern.compile("^(\\d{1,3}(\\.\\d{1,3}){3}|[0-9A-Fa-f:]+:[0-9A-Fa-f:]+)$");
  private static final Pattern ENTITY = Pattern.compile("^([A-Z])(\\d+)$");
  private static final Pattern FILE_EXTENSION = Pattern.compile("\\.([A-Za-z0-9]{2,4})$");
  private static final Pattern CATEGORIZED_PAGE = Pattern.compile("\\[\\[:([^\\]|]+)\\]\\]");
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}\\p{M}'.-]*");
  private static final List<String> TYPES = List.of("edit", "new", "categorize", "log");

  private ProfileBuilder() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: ProfileBuilder <recentchange.ndjson> <profile.json>");
      System.exit(2);
    }
    Path in = Paths.get(args[0]);
    Path out = Paths.get(args[1]);
    ObjectNode profile = build(in);
    Files.createDirectories(out.toAbsolutePath().getParent());
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    Files.write(out, mapper.writeValueAsBytes(profile));
    System.out.println(
        "wrote "
            + out
            + " ("
            + Files.size(out)
            + " bytes) from "
            + profile.get("events")
            + " events");
  }

  /** Reads the capture and returns the profile document. */
  static ObjectNode build(Path ndjson) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> events = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(ndjson, StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode event = mapper.readTree(line);
        // Only the four rc types of the contract's documentation; Flow's numeric type is noise.
        if (TYPES.contains(event.path("type").asText())) {
          events.add(event);
        }
      }
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode profile = f.objectNode();
    profile.put(
        "about",
        "Statistical profile of Wikimedia recentchange events for dev.streamy.generator"
            + ".EventFactory, derived by ProfileBuilder (see its Javadoc to rebuild). Holds"
            + " distributions and vocabularies, not events.");
    profile.put("source", ndjson.getFileName().toString());
    profile.put("events", events.size());
    profile.set("wikis", wikis(events));
    profile.set("users", users(events));
    profile.put("minorShare", share(events, e -> is(e, "edit") ? e.path("minor") : null));
    profile.put("patrolledTrueShare", share(events, e -> e.get("patrolled")));
    profile.set("emptyCommentShare", emptyCommentShare(events));
    profile.set("titleWordCounts", titleWordCounts(events));
    profile.set("fileExtensions", weighted(fileExtensions(events), 12));
    ObjectNode lengths = profile.putObject("lengths");
    lengths.set("editOld", quantiles(longs(events, "edit", e -> e.path("length").get("old"))));
    lengths.set("editDelta", quantiles(editDeltas(events)));
    lengths.set("newLength", quantiles(longs(events, "new", e -> e.path("length").get("new"))));
    profile.set("genericComments", genericComments(events));
    profile.set("logActions", logActions(events));
    return profile;
  }

  private static ArrayNode wikis(List<JsonNode> events) {
    Map<String, List<JsonNode>> byWiki = new TreeMap<>();
    for (JsonNode e : events) {
      byWiki.computeIfAbsent(e.path("wiki").asText(), k -> new ArrayList<>()).add(e);
    }
    List<Map.Entry<String, List<JsonNode>>> ordered = new ArrayList<>(byWiki.entrySet());
    ordered.sort(
        Comparator.comparing((Map.Entry<String, List<JsonNode>> w) -> -w.getValue().size())
            .thenComparing(Map.Entry::getKey));
    ArrayNode wikis = JsonNodeFactory.instance.arrayNode();
    for (Map.Entry<String, List<JsonNode>> entry : ordered) {
      List<JsonNode> list = entry.getValue();
      ObjectNode wiki = wikis.addObject();
      wiki.put("wiki", entry.getKey());
      wiki.put("serverName", list.get(0).path("server_name").asText());
      wiki.put("weight", list.size());
      wiki.put("botShare", round(share(list, e -> e.path("bot"))));
      long editsOrNew = list.stream().filter(e -> is(e, "edit") || is(e, "new")).count();
      long patrolled =
          list.stream().filter(e -> (is(e, "edit") || is(e, "new")) && e.has("patrolled")).count();
      wiki.put("patrolled", editsOrNew > 0 && patrolled * 2 > editsOrNew);
      wiki.put("spacedTitles", spacedTitles(list));
      wiki.put("maxRcid", max(list, e -> e.get("id")));
      wiki.put("maxRevision", max(list, e -> e.path("revision").get("new")));
      wiki.put("maxLogId", max(list, e -> e.get("log_id")));

      Map<String, Integer> changes = new TreeMap<>();
      for (JsonNode e : list) {
        changes.merge(e.path("type").asText() + " " + e.path("namespace").asInt(), 1, Integer::sum);
      }
      ArrayNode changeArray = wiki.putArray("changes");
      sortedByWeight(changes)
          .forEach(
              c -> {
                String[] parts = c.getKey().split(" ");
                changeArray
                    .addArray()
                    .add(parts[0])
                    .add(Integer.parseInt(parts[1]))
                    .add(c.getValue());
              });

      ObjectNode prefixes = wiki.putObject("prefixes");
      ObjectNode entities = wiki.putObject("entities");
      Map<Integer, List<String>> titlesByNamespace = new TreeMap<>();
      for (JsonNode e : list) {
        titlesByNamespace
            .computeIfAbsent(e.path("namespace").asInt(), k -> new ArrayList<>())
            .add(e.path("title").asText());
      }
      titlesByNamespace.forEach(
          (ns, titles) -> {
            if (ns != 0) {
              String prefix =
                  mostCommon(titles, t -> t.contains(":") ? t.substring(0, t.indexOf(':')) : null);
              if (prefix != null) {
                prefixes.put(String.valueOf(ns), prefix);
              }
            }
            long matching = 0;
            long maxNumber = 0;
            String letter = null;
            for (String t : titles) {
              Matcher m = ENTITY.matcher(stripPrefix(t, ns));
              if (m.matches()) {
                matching++;
                letter = m.group(1);
                maxNumber = Math.max(maxNumber, Long.parseLong(m.group(2)));
              }
            }
            if (letter != null && matching * 5 >= titles.size() * 4L) {
              entities.putObject(String.valueOf(ns)).put("letter", letter).put("max", maxNumber);
            }
          });

      ArrayNode words = wiki.putArray("words");
      distinctWords(list, entities).stream().limit(MAX_WORDS_PER_WIKI).forEach(words::add);

      ObjectNode comments = wiki.putObject("comments");
      for (String type : List.of("edit", "new", "categorize")) {
        List<String> pool = commentPool(list, type, MAX_COMMENTS_PER_WIKI_AND_TYPE);
        if (!pool.isEmpty()) {
          ArrayNode array = comments.putArray(type);
          pool.forEach(array::add);
        }
      }
    }
    return wikis;
  }

  private static ObjectNode users(List<JsonNode> events) {
    Map<String, Integer> bots = new TreeMap<>();
    Map<String, Integer> humans = new TreeMap<>();
    long human = 0;
    long anonymous = 0;
    long ipv6 = 0;
    for (JsonNode e : events) {
      String user = e.path("user").asText();
      if (e.path("bot").asBoolean()) {
        if (!IP.matcher(user).matches()) {
          bots.merge(user, 1, Integer::sum);
        }
        continue;
      }
      human++;
      if (IP.matcher(user).matches()) {
        anonymous++;
        if (user.contains(":")) {
          ipv6++;
        }
      } else {
        humans.merge(user, 1, Integer::sum);
      }
    }
    ObjectNode users = JsonNodeFactory.instance.objectNode();
    users.set("bots", weighted(bots, MAX_BOTS));
    users.set("humans", weighted(humans, MAX_HUMANS));
    users.put("anonymousShare", round(human == 0 ? 0 : (double) anonymous / human));
    users.put("ipv6Share", round(anonymous == 0 ? 0 : (double) ipv6 / anonymous));
    return users;
  }

  private static ObjectNode emptyCommentShare(List<JsonNode> events) {
    ObjectNode shares = JsonNodeFactory.instance.objectNode();
    for (String type : TYPES) {
      shares.put(
          type,
          round(
              share(events, e -> is(e, type) ? bool(e.path("comment").asText().isEmpty()) : null)));
    }
    return shares;
  }

  private static ArrayNode titleWordCounts(List<JsonNode> events) {
    int[] counts = new int[8];
    for (JsonNode e : events) {
      String title = stripPrefix(e.path("title").asText(), e.path("namespace").asInt());
      if (ENTITY.matcher(title).matches()) {
        continue; // entity ids (Q42) are not made of words
      }
      int n = title.split(" ").length;
      counts[Math.min(n, counts.length) - 1]++;
    }
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    for (int c : counts) {
      array.add(c);
    }
    return array;
  }

  private static Map<String, Integer> fileExtensions(List<JsonNode> events) {
    Map<String, Integer> ext = new TreeMap<>();
    for (JsonNode e : events) {
      if (e.path("namespace").asInt() == 6) {
        Matcher m = FILE_EXTENSION.matcher(e.path("title").asText());
        if (m.find()) {
          ext.merge(m.group(1).toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
        }
      }
    }
    return ext;
  }

  private static List<Long> editDeltas(List<JsonNode> events) {
    List<Long> deltas = new ArrayList<>();
    for (JsonNode e : events) {
      JsonNode length = e.path("length");
      if (is(e, "edit")
          && length.path("old").isIntegralNumber()
          && length.path("new").isIntegralNumber()) {
        deltas.add(length.get("new").asLong() - length.get("old").asLong());
      }
    }
    return deltas;
  }

  private static ObjectNode genericComments(List<JsonNode> events) {
    ObjectNode generic = JsonNodeFactory.instance.objectNode();
    for (String type : List.of("edit", "new", "categorize")) {
      ArrayNode array = generic.putArray(type);
      commentPool(events, type, MAX_GENERIC_COMMENTS).forEach(array::add);
    }
    return generic;
  }

  private static ArrayNode logActions(List<JsonNode> events) {
    Map<String, List<JsonNode>> byAction = new TreeMap<>();
    for (JsonNode e : events) {
      if (is(e, "log")) {
        byAction
            .computeIfAbsent(
                e.path("log_type").asText() + "/" + e.path("log_action").asText(),
                k -> new ArrayList<>())
            .add(e);
      }
    }
    List<Map.Entry<String, List<JsonNode>>> ordered = new ArrayList<>(byAction.entrySet());
    ordered.sort(
        Comparator.comparing((Map.Entry<String, List<JsonNode>> a) -> -a.getValue().size())
            .thenComparing(Map.Entry::getKey));
    ArrayNode actions = JsonNodeFactory.instance.arrayNode();
    for (Map.Entry<String, List<JsonNode>> entry : ordered) {
      List<JsonNode> list = entry.getValue();
      JsonNode first = list.get(0);
      ObjectNode action = actions.addObject();
      action.put("type", first.path("log_type").asText());
      action.put("action", first.path("log_action").asText());
      action.put("weight", list.size());
      action.put(
          "rcidNullShare", round(share(list, e -> bool(!e.has("id") || e.get("id").isNull()))));
      Map<String, Integer> namespaces = new TreeMap<>();
      list.forEach(
          e -> namespaces.merge(String.valueOf(e.path("namespace").asInt()), 1, Integer::sum));
      ObjectNode ns = action.putObject("namespaces");
      namespaces.forEach(ns::put);
      action.set("params", paramsShape(first.path("log_params")));
      ArrayNode reasons = action.putArray("comments");
      commentPool(list, "log", MAX_LOG_COMMENTS).forEach(reasons::add);
      ArrayNode templates = action.putArray("actionComments");
      List<String> seen = new ArrayList<>();
      for (JsonNode e : list) {
        String template = logCommentTemplate(e);
        if (template != null && !seen.contains(template) && seen.size() < MAX_LOG_COMMENTS) {
          seen.add(template);
          templates.add(template);
        }
      }
    }
    return actions;
  }

  /** The shape of a log_params value: literals kept, identifiers replaced by {@code $kind}. */
  private static JsonNode paramsShape(JsonNode params) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (params.isObject()) {
      ObjectNode shape = f.objectNode();
      Iterator<Map.Entry<String, JsonNode>> fields = params.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        shape.set(field.getKey(), paramsShape(field.getValue()));
      }
      return shape;
    }
    if (params.isArray()) {
      ArrayNode shape = f.arrayNode();
      params.forEach(p -> shape.add(paramsShape(p)));
      return shape;
    }
    if (params.isIntegralNumber()) {
      return f.textNode("$int");
    }
    if (params.isTextual()) {
      String s = params.asText();
      if (s.matches("\\d{14}")) {
        return f.textNode("$timestamp14");
      }
      if (s.matches("\\d+")) {
        return f.textNode("$digits");
      }
      if (s.matches("[0-9a-z]{31}")) {
        return f.textNode("$sha1base36");
      }
      if (s.matches("[a-z0-9 ,_-]{0,24}")) {
        return params;
      }
      return f.textNode("$title");
    }
    return params;
  }

  /** A log_action_comment with the event's own title and user replaced by placeholders. */
  private static String logCommentTemplate(JsonNode e) {
    String text = e.path("log_action_comment").asText(null);
    if (text == null || text.isEmpty() || text.length() > MAX_COMMENT_CHARS) {
      return null;
    }
    String title = e.path("title").asText();
    String user = e.path("user").asText();
    String template = text;
    if (!title.isEmpty()) {
      template = template.replace(title, "{title}");
    }
    if (!user.isEmpty()) {
      template = template.replace(user, "{user}");
    }
    return template;
  }

  private static List<String> commentPool(List<JsonNode> events, String type, int max) {
    Map<String, Integer> counts = new TreeMap<>();
    for (JsonNode e : events) {
      if (!is(e, type)) {
        continue;
      }
      String comment = e.path("comment").asText();
      if (comment.isEmpty() || comment.length() > MAX_COMMENT_CHARS || comment.contains("\n")) {
        continue;
      }
      if (type.equals("categorize")) {
        // Keep the sentence, not the page: "[[:{page}]] added to category".
        Matcher m = CATEGORIZED_PAGE.matcher(comment);
        if (!m.find()) {
          continue;
        }
        comment = comment.replace(m.group(1), "{page}");
      }
      counts.merge(comment, 1, Integer::sum);
    }
    List<String> pool = new ArrayList<>();
    sortedByWeight(counts).stream().limit(max).forEach(c -> pool.add(c.getKey()));
    return pool;
  }

  private static List<String> distinctWords(List<JsonNode> events, ObjectNode entities) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (JsonNode e : events) {
      int ns = e.path("namespace").asInt();
      if (entities.has(String.valueOf(ns))) {
        continue;
      }
      String title =
          FILE_EXTENSION.matcher(stripPrefix(e.path("title").asText(), ns)).replaceAll("");
      String[] parts = title.contains(" ") ? title.split(" ") : new String[] {title};
      for (String part : parts) {
        if (WORD.matcher(part).matches() && part.length() >= 2 && part.length() <= 40) {
          counts.merge(part, 1, Integer::sum);
        }
      }
    }
    List<String> words = new ArrayList<>();
    sortedByWeight(counts).forEach(c -> words.add(c.getKey()));
    return words;
  }

  private static boolean spacedTitles(List<JsonNode> events) {
    long spaced = events.stream().filter(e -> e.path("title").asText().contains(" ")).count();
    return spaced * 3 >= events.size();
  }

  private static ArrayNode weighted(Map<String, Integer> counts, int max) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    sortedByWeight(counts).stream()
        .limit(max)
        .forEach(c -> array.addArray().add(c.getKey()).add(c.getValue()));
    return array;
  }

  private static List<Map.Entry<String, Integer>> sortedByWeight(Map<String, Integer> counts) {
    List<Map.Entry<String, Integer>> list = new ArrayList<>(counts.entrySet());
    list.sort(
        Comparator.comparing((Map.Entry<String, Integer> c) -> -c.getValue())
            .thenComparing(Map.Entry::getKey));
    return list;
  }

  private static List<Long> longs(
      List<JsonNode> events, String type, Function<JsonNode, JsonNode> field) {
    List<Long> values = new ArrayList<>();
    for (JsonNode e : events) {
      JsonNode v = is(e, type) ? field.apply(e) : null;
      if (v != null && v.isIntegralNumber()) {
        values.add(v.asLong());
      }
    }
    return values;
  }

  /** 21 points: the 0th, 5th, ..., 100th percentiles. */
  private static ArrayNode quantiles(List<Long> values) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    if (values.isEmpty()) {
      return array;
    }
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    for (int q = 0; q <= 20; q++) {
      int index = (int) Math.round(q / 20.0 * (sorted.size() - 1));
      array.add(sorted.get(index));
    }
    return array;
  }

  private static double share(List<JsonNode> events, Function<JsonNode, JsonNode> flag) {
    long seen = 0;
    long yes = 0;
    for (JsonNode e : events) {
      JsonNode v = flag.apply(e);
      if (v != null && v.isBoolean()) {
        seen++;
        if (v.asBoolean()) {
          yes++;
        }
      }
    }
    return seen == 0 ? 0 : round((double) yes / seen);
  }

  private static long max(List<JsonNode> events, Function<JsonNode, JsonNode> field) {
    long max = 0;
    for (JsonNode e : events) {
      JsonNode v = field.apply(e);
      if (v != null && v.isIntegralNumber()) {
        max = Math.max(max, v.asLong());
      }
    }
    return max;
  }

  private static String mostCommon(List<String> values, Function<String, String> key) {
    Map<String, Integer> counts = new TreeMap<>();
    for (String v : values) {
      String k = key.apply(v);
      if (k != null && !k.isEmpty()) {
        counts.merge(k, 1, Integer::sum);
      }
    }
    return counts.isEmpty() ? null : sortedByWeight(counts).get(0).getKey();
  }

  private static String stripPrefix(String title, int namespace) {
    int colon = title.indexOf(':');
    return namespace != 0 && colon > 0 ? title.substring(colon + 1) : title;
  }

  private static boolean is(JsonNode event, String type) {
    return type.equals(event.path("type").asText());
  }

  private static JsonNode bool(boolean value) {
    return JsonNodeFactory.instance.booleanNode(value);
  }

  private static double round(double value) {
    return Math.round(value * 10_000) / 10_000.0;
  }
}
