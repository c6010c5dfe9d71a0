package dev.streamy.runners;

import dev.streamy.io.ReadDeadLetters;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Preflight;
import dev.streamy.pipelines.Settings;
import dev.streamy.templates.PipelineArgs;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.SourceRecord;
import dev.streamy.transforms.Stage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.joda.time.Instant;
import picocli.CommandLine.Command;

/**
 * {@code streamy replay}: dead letters back through the ingest. They are read from the dead-letter
 * files or the DLQ topic, filtered, and sent, with their original bytes, key, headers and
 * coordinates, through the same parse, validate, dedupe and window steps into the same sinks, as a
 * bounded pipeline on the DirectRunner.
 *
 * <p>A bounded pipeline, not a re-produce to the input topic: a replayed record keeps its old event
 * time, which a streaming ingest would take as late ({@code TS_LATE}) and mix with live traffic; a
 * bounded run has nothing late, and its results can be told record by record.
 *
 * <p>Each replayed record carries {@value #ATTEMPT_HEADER} (1 for the first replay of a dead
 * letter, one more each time it fails again) and {@value #REPLAY_HEADER}; a record that fails again
 * is a new dead letter with those headers, and one at {@code --maxAttempts} is refused. The {@link
 * ReplayLedger} keeps a dead letter from being replayed twice. A {@code TOO_LARGE} dead letter
 * keeps only the first 64 KiB of its value: its whole value is re-read from the source topic by its
 * coordinates (and checked against its SHA-256), else it is refused by name, never replayed cut.
 */
@Command(
    name = "replay",
    description = {
      "Replay dead letters (from the dead-letter files or the DLQ topic) through the ingest into the"
          + " same sinks, as a bounded run: filter them by code, stage, source coordinates, failure"
          + " time or version; --dryRun shows what would be replayed.",
      "A ledger (<output>/replays/ledger.jsonl) records each replay, so no dead letter is replayed"
          + " twice.",
      "e.g. streamy replay --output=out --dryRun",
      "     streamy replay --bootstrapServers=host:9092 --output=out --contract=fixed.contract.json"
          + " --errorCodes=SCHEMA_VIOLATION"
    })
final class ReplayCommand extends PipelineCommand {

  /**
   * Header on a replayed record: how many times its dead letter has been replayed, this time
   * included.
   */
  static final String ATTEMPT_HEADER = "streamy.replay.attempt";

  /** Header on a replayed record: the id of the replay that sent it. */
  static final String REPLAY_HEADER = "streamy.replay.id";

  /** The result of a replayed record that became neither an event nor a dead letter. */
  static final String DUPLICATE = "DUPLICATE";

  private static final int SAMPLE = 5;

  @Override
  Class<? extends PipelineOptions> optionsClass() {
    return ReplayOptions.class;
  }

  @Override
  Set<String> filledIn() {
    return Set.of("bootstrapServers", "inputTopic");
  }

  @Override
  int run() throws Exception {
    if (!check(args)) {
      return Streamy.USAGE;
    }
    ReplayOptions options =
        PipelineArgs.parse(ReplayOptions.class, IngestCommand.DirectRun.userDefaults(args), false);
    return replay(options, System.out);
  }

  static int replay(ReplayOptions options, PrintStream out) throws IOException {
    Path output = Path.of(options.getOutput()).toAbsolutePath();
    Selection selection = Selection.of(options);
    Path ledgerFile =
        options.getReplayLedger() == null
            ? output.resolve("replays").resolve("ledger.jsonl")
            : Path.of(options.getReplayLedger()).toAbsolutePath();
    ReplayLedger ledger = ReplayLedger.load(ledgerFile);
    Map.Entry<String, List<String>> unfinished = ledger.unfinished();

    // The options as checked settings, for what reading needs (Kafka client settings, the file
    // included; the catalog): stand-ins take the place of Kafka options a dry run may lack.
    Settings read = readSettings(options);
    boolean fromTopic = options.getReplayFrom().equals("topic");
    String where;
    Predicate<DeadLetter> wanted =
        unfinished == null ? selection::matches : d -> unfinished.getValue().contains(key(d));
    Map<String, DeadLetter> candidates = new LinkedHashMap<>(); // by key, each once, in read order
    long[] seen = {0};
    Consumer<DeadLetter> counting =
        d -> {
          seen[0]++;
          if (wanted.test(d)) {
            candidates.putIfAbsent(key(d), d);
          }
        };
    if (fromTopic) {
      requireKafka(options, "--replayFrom=topic");
      String topic = dlqTopic(options);
      where = "DLQ topic " + topic;
      ReadDeadLetters.fromTopic(
          options.getBootstrapServers(), topic, read.getKafkaConfig(), counting);
    } else if (options.getReplayFrom().equals("iceberg")) {
      if (!read.getSink().writesIceberg()) {
        throw new IllegalArgumentException(
            "--replayFrom=iceberg needs --sink=iceberg or --sink=both (and the catalog options)");
      }
      where =
          "Iceberg table " + read.getIcebergNamespace() + "." + IngestPipeline.DEAD_LETTERS_TABLE;
      ReadDeadLetters.fromIceberg(
          read.getIcebergCatalog(),
          read.getIcebergNamespace(),
          IngestPipeline.DEAD_LETTERS_TABLE,
          counting);
    } else {
      Path folder = output.resolve("dead-letters");
      where = folder.toString();
      if (!Files.isDirectory(folder)) {
        throw new IllegalArgumentException(
            "--output=" + options.getOutput() + ": no dead-letter files in " + folder);
      }
      ReadDeadLetters.fromFiles(folder, counting);
    }

    Map<String, Long> wouldReplay = new TreeMap<>();
    Map<String, Long> refused = new TreeMap<>();
    long alreadyReplayed = 0;
    List<DeadLetter> selected = new ArrayList<>();
    for (DeadLetter d : candidates.values()) {
      if (unfinished == null && ledger.wasReplayed(key(d))) {
        alreadyReplayed++;
      } else if (attempt(d) >= options.getMaxAttempts()) {
        refused.merge("MAX_ATTEMPTS (" + options.getMaxAttempts() + ")", 1L, Long::sum);
      } else {
        selected.add(d);
        wouldReplay.merge(d.getErrorCode(), 1L, Long::sum);
      }
    }
    out.printf(Locale.ROOT, "streamy replay: %,d dead letters in %s%n", seen[0], where);
    if (unfinished != null) {
      out.println(
          "  replay "
              + unfinished.getKey()
              + " started and did not finish: taking back what it wrote and running it again under"
              + " the same id");
    }
    if (options.getDryRun()) {
      printCounts(out, "would replay", wouldReplay);
      long truncated = selected.stream().filter(DeadLetter::isValueTruncated).count();
      if (truncated > 0) {
        out.printf(
            Locale.ROOT,
            "    of which %,d cut (TOO_LARGE): their whole values are re-read from the source"
                + " topic, or they are refused%n",
            truncated);
      }
      out.printf(Locale.ROOT, "  already replayed    %,d%n", alreadyReplayed);
      printCounts(out, "refused", refused);
      if (!selected.isEmpty()) {
        out.println("  sample:");
        selected.stream().limit(SAMPLE).forEach(d -> out.println("    " + describe(d)));
      }
      out.println("  dry run: nothing was replayed, the ledger is unchanged (" + ledgerFile + ")");
      return Streamy.OK;
    }

    requireKafka(options, "a replay (it writes the DLQ topic and re-reads TOO_LARGE records)");
    String id = unfinished != null ? unfinished.getKey() : newId(ledger);
    List<SourceRecord> records = new ArrayList<>();
    List<ReplayLedger.Replayed> entries = new ArrayList<>();
    for (DeadLetter d : selected) {
      SourceRecord source = d.source();
      if (d.isValueTruncated()) {
        source = ReadDeadLetters.original(options.getBootstrapServers(), read.getKafkaConfig(), d);
        if (source == null) {
          refused.merge("TRUNCATED_VALUE_UNAVAILABLE", 1L, Long::sum);
          out.println(
              "  refused "
                  + describe(d)
                  + ": its value was cut and the source topic no longer holds the original");
          continue;
        }
      }
      records.add(replayed(source, attempt(d), id));
      entries.add(new ReplayLedger.Replayed(key(d), d.getErrorCode()));
    }
    printCounts(out, "replaying", countByCode(entries));
    printCounts(out, "refused", refused);
    if (records.isEmpty()) {
      out.printf(
          Locale.ROOT,
          "  nothing to replay (%,d already replayed, see %s)%n",
          alreadyReplayed,
          ledgerFile);
      return Streamy.OK;
    }
    if (options.getInputTopic() == null) {
      options.setInputTopic(records.get(0).getTopic());
    }
    Settings ingest = Settings.from(options);
    Settings settings = ingest.toBuilder().setSinkId(ingest.getSinkId() + "-" + id).build();
    Preflight.checkIngest(settings);
    if (unfinished == null) {
      ledger.started(id, selection.describe(), entries);
    } else {
      out.println(
          "  took back what replay "
              + id
              + " had written: "
              + IngestPipeline.removeUnfinished(settings, id));
    }
    Path results = ledgerFile.getParent().resolve(id);
    deleteResults(results);
    PipelineArgs.redact(options);
    options.as(DirectOptions.class).setBlockOnRun(true);
    long started = System.nanoTime();
    PipelineResult result =
        IngestPipeline.buildReplay(settings, records, id, results.resolve("results").toString())
            .run();
    PipelineResult.State state = result.waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException(
          "replay " + id + " ended " + state + "; run streamy replay again to finish it");
    }
    Map<String, String> outcome = readResults(results, entries);
    Map<String, Long> counts = new TreeMap<>();
    outcome.values().forEach(r -> counts.merge(r, 1L, Long::sum));
    ledger.finished(id, counts, outcome);
    double seconds = (System.nanoTime() - started) / 1e9;
    out.printf(
        Locale.ROOT,
        "streamy replay %s: %,d records replayed in %.1f s%n",
        id,
        records.size(),
        seconds);
    out.printf(Locale.ROOT, "  events              %,d%n", counts.getOrDefault("EVENT", 0L));
    out.printf(Locale.ROOT, "  duplicates          %,d%n", counts.getOrDefault(DUPLICATE, 0L));
    Map<String, Long> again = new TreeMap<>(counts);
    again.remove("EVENT");
    again.remove(DUPLICATE);
    printCounts(out, "dead letters again", again);
    out.println("  ledger              " + ledgerFile);
    return Streamy.OK;
  }

  /** Each selected record's result: EVENT, the code of the dead letter it became, or DUPLICATE. */
  private static Map<String, String> readResults(Path folder, List<ReplayLedger.Replayed> entries)
      throws IOException {
    Map<String, String> byCoordinates = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".tsv")).toList()) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          String[] parts = line.split("\t");
          byCoordinates.put(parts[0] + "/" + parts[1] + "/" + parts[2], parts[3]);
        }
      }
    }
    Map<String, String> outcome = new LinkedHashMap<>();
    for (ReplayLedger.Replayed entry : entries) {
      String coordinates = entry.key.substring(0, entry.key.lastIndexOf('@'));
      outcome.put(entry.key, byCoordinates.getOrDefault(coordinates, DUPLICATE));
    }
    return outcome;
  }

  private static void deleteResults(Path folder) throws IOException {
    if (Files.isDirectory(folder)) {
      try (Stream<Path> files = Files.list(folder)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
    }
  }

  /**
   * {@code source} (a dead letter's record, whole) with the replay's headers: attempt {@code
   * attempt + 1} and the replay id, in place of any the record had.
   */
  static SourceRecord replayed(SourceRecord source, int attempt, String id) {
    List<SourceRecord.Header> headers = new ArrayList<>();
    for (SourceRecord.Header header : source.getHeaders()) {
      if (!header.getKey().equals(ATTEMPT_HEADER) && !header.getKey().equals(REPLAY_HEADER)) {
        headers.add(header);
      }
    }
    headers.add(header(ATTEMPT_HEADER, Integer.toString(attempt + 1)));
    headers.add(header(REPLAY_HEADER, id));
    return SourceRecord.create(
        source.getTopic(),
        source.getPartition(),
        source.getOffset(),
        source.getTimestamp(),
        source.getKey(),
        source.getValue(),
        headers);
  }

  private static SourceRecord.Header header(String key, String value) {
    return SourceRecord.Header.create(key, value.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * How many times this dead letter's record had been replayed when it failed: 0 for the ingest's.
   */
  static int attempt(DeadLetter d) {
    int attempt = 0;
    for (SourceRecord.Header header : d.getHeaders()) {
      if (header.getKey().equals(ATTEMPT_HEADER) && header.getValue() != null) {
        try {
          attempt = Integer.parseInt(new String(header.getValue(), StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
          attempt = 0;
        }
      }
    }
    return attempt;
  }

  /** {@code topic/partition/offset@attempt}: a dead letter, as the ledger knows it. */
  static String key(DeadLetter d) {
    return d.getTopic() + "/" + d.getPartition() + "/" + d.getOffset() + "@" + attempt(d);
  }

  /** Coordinates, stage, code and message: never the payload. */
  private static String describe(DeadLetter d) {
    return key(d) + " " + d.getStage() + " " + d.getErrorCode() + ": " + d.getMessage();
  }

  private static Map<String, Long> countByCode(List<ReplayLedger.Replayed> entries) {
    return entries.stream()
        .collect(Collectors.groupingBy(e -> e.code, TreeMap::new, Collectors.counting()));
  }

  private static void printCounts(PrintStream out, String what, Map<String, Long> counts) {
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    out.printf(Locale.ROOT, "  %-19s %,d%n", what, total);
    counts.forEach((code, count) -> out.printf(Locale.ROOT, "    %-18s %,d%n", code, count));
  }

  /** {@code r<UTC time>}, e.g. {@code r20261204T101500Z}, with a number added if already taken. */
  private static String newId(ReplayLedger ledger) {
    String time =
        "r"
            + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(ZoneOffset.UTC)
                .format(java.time.Instant.now());
    String id = time;
    for (int n = 2; ledger.hasReplay(id); n++) {
      id = time + "-" + n;
    }
    return id;
  }

  private static void requireKafka(ReplayOptions options, String what) {
    if (options.getBootstrapServers() == null || options.getBootstrapServers().isBlank()) {
      throw new IllegalArgumentException(
          "--bootstrapServers is required for " + what + "; a --dryRun of the files needs none");
    }
  }

  private static String dlqTopic(ReplayOptions options) {
    if (options.getDeadLetterTopic() != null && !options.getDeadLetterTopic().isBlank()) {
      return options.getDeadLetterTopic();
    }
    if (options.getInputTopic() == null) {
      throw new IllegalArgumentException(
          "--replayFrom=topic needs --deadLetterTopic (or --inputTopic, whose DLQ topic is"
              + " <inputTopic>.dlq)");
    }
    return options.getInputTopic() + ".dlq";
  }

  /**
   * The settings of {@code options} for reading dead letters: stand-ins take the place of the Kafka
   * options while they are checked, since reading files or the table needs no Kafka.
   */
  private static Settings readSettings(ReplayOptions options) {
    String servers = options.getBootstrapServers();
    String topic = options.getInputTopic();
    try {
      if (servers == null) {
        options.setBootstrapServers("unused:9092");
      }
      if (topic == null) {
        options.setInputTopic("unused");
      }
      return Settings.from(options);
    } finally {
      options.setBootstrapServers(servers);
      options.setInputTopic(topic);
    }
  }

  /** Which dead letters a replay takes: every filter given must match. */
  static final class Selection {
    private final Map<String, String> given = new LinkedHashMap<>();
    private final List<Predicate<DeadLetter>> filters = new ArrayList<>();

    static Selection of(ReplayOptions options) {
      Selection s = new Selection();
      s.add("replayFrom", options.getReplayFrom(), v -> d -> true);
      if (!List.of("files", "topic", "iceberg").contains(options.getReplayFrom())) {
        throw new IllegalArgumentException("--replayFrom must be files, topic or iceberg");
      }
      s.add(
          "errorCodes",
          options.getErrorCodes(),
          v -> {
            Set<String> codes = names(v, "errorCodes", ErrorCode.class);
            return d -> codes.contains(d.getErrorCode());
          });
      s.add(
          "stages",
          options.getStages(),
          v -> {
            Set<String> stages = names(v, "stages", Stage.class);
            return d -> stages.contains(d.getStage());
          });
      s.add("sourceTopic", options.getSourceTopic(), v -> d -> d.getTopic().equals(v));
      s.add("sourceOffsets", options.getSourceOffsets(), Selection::offsets);
      s.add(
          "failedAfter",
          options.getFailedAfter(),
          v -> {
            Instant after = instant("failedAfter", v);
            return d -> !d.getProcessingTime().isBefore(after);
          });
      s.add(
          "failedBefore",
          options.getFailedBefore(),
          v -> {
            Instant before = instant("failedBefore", v);
            return d -> d.getProcessingTime().isBefore(before);
          });
      s.add(
          "writtenBy",
          options.getWrittenBy(),
          v ->
              d -> {
                String version = d.getPipelineVersion();
                return version != null && (version.startsWith(v) || version.endsWith("+" + v));
              });
      return s;
    }

    private void add(
        String name,
        @Nullable String value,
        java.util.function.Function<String, Predicate<DeadLetter>> filter) {
      if (value != null && !value.isBlank()) {
        given.put(name, value.trim());
        filters.add(filter.apply(value.trim()));
      }
    }

    boolean matches(DeadLetter d) {
      for (Predicate<DeadLetter> filter : filters) {
        if (!filter.test(d)) {
          return false;
        }
      }
      return true;
    }

    Map<String, String> describe() {
      return given;
    }

    private static <E extends Enum<E>> Set<String> names(
        String list, String option, Class<E> type) {
      Set<String> names = new java.util.TreeSet<>();
      for (String name : list.split(",")) {
        String trimmed = name.trim().toUpperCase(Locale.ROOT);
        try {
          Enum.valueOf(type, trimmed);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "--"
                  + option
                  + ": no such value '"
                  + name.trim()
                  + "' (allowed: "
                  + Arrays.stream(type.getEnumConstants())
                      .map(Enum::name)
                      .collect(Collectors.joining(", "))
                  + ")");
        }
        names.add(trimmed);
      }
      return names;
    }

    /** {@code P}, {@code P:FROM-TO} (inclusive) or {@code P:FROM-}, comma-separated. */
    static Predicate<DeadLetter> offsets(String list) {
      List<Predicate<DeadLetter>> any = new ArrayList<>();
      for (String part : list.split(",")) {
        String p = part.trim();
        java.util.regex.Matcher m =
            java.util.regex.Pattern.compile("(\\d+)(?::(\\d+)-(\\d*))?").matcher(p);
        if (!m.matches()) {
          throw new IllegalArgumentException(
              "--sourceOffsets: '" + p + "' is not P, P:FROM-TO or P:FROM- (e.g. 0:100-250,3)");
        }
        int partition = Integer.parseInt(m.group(1));
        long from = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
        long to =
            m.group(3) == null || m.group(3).isEmpty()
                ? Long.MAX_VALUE
                : Long.parseLong(m.group(3));
        if (to < from) {
          throw new IllegalArgumentException("--sourceOffsets: '" + p + "' ends before it starts");
        }
        any.add(d -> d.getPartition() == partition && d.getOffset() >= from && d.getOffset() <= to);
      }
      return d -> any.stream().anyMatch(f -> f.test(d));
    }

    private static Instant instant(String option, String value) {
      try {
        return new Instant(java.time.Instant.parse(value).toEpochMilli());
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException(
            "--" + option + "=" + value + ": not an ISO-8601 instant (e.g. 2026-12-04T10:00:00Z)");
      }
    }
  }
}
