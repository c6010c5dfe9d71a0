package dev.streamy.runners;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * What {@code streamy replay} replayed, when, and with which result: one JSON object per line, an
 * append-only file. A replay writes a {@code started} line (its id, its selection, every dead
 * letter it replays) before it runs and a {@code finished} line (the result of each record) once
 * its sinks have everything. A dead letter is known by its source coordinates and replay attempt
 * ({@code topic/partition/offset@attempt}); one that a line names is never selected again. A replay
 * that started and never finished is run again, under its own id, before anything else: its sinks
 * then take again only what they do not have.
 */
final class ReplayLedger {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Map<String, ObjectNode> started = new LinkedHashMap<>();
  private final Set<String> finished = new LinkedHashSet<>();
  private final Set<String> replayed = new LinkedHashSet<>();

  private ReplayLedger(Path file) {
    this.file = file;
  }

  /** The ledger at {@code file}; empty when the file does not exist yet. */
  static ReplayLedger load(Path file) {
    ReplayLedger ledger = new ReplayLedger(file);
    if (!Files.exists(file)) {
      return ledger;
    }
    try {
      int number = 0;
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode entry;
        try {
          entry = JSON.readTree(line);
        } catch (IOException e) {
          throw new IllegalArgumentException(
              "the replay ledger " + file + " has a line that is not JSON (line " + number + ")");
        }
        String id = entry.path("replay").asText();
        if (entry.path("event").asText().equals("started")) {
          ledger.started.put(id, (ObjectNode) entry);
          for (JsonNode record : entry.path("records")) {
            ledger.replayed.add(record.path("key").asText());
          }
        } else if (entry.path("event").asText().equals("finished")) {
          ledger.finished.add(id);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the replay ledger " + file, e);
    }
    return ledger;
  }

  Path file() {
    return file;
  }

  /** Whether a replay {@code id} has started before. */
  boolean hasReplay(String id) {
    return started.containsKey(id);
  }

  /** Whether a replay has selected the dead letter {@code key} before. */
  boolean wasReplayed(String key) {
    return replayed.contains(key);
  }

  /** A replay that started and did not finish, if any: its id and the keys it selected. */
  @Nullable
  Map.Entry<String, List<String>> unfinished() {
    for (Map.Entry<String, ObjectNode> entry : started.entrySet()) {
      if (!finished.contains(entry.getKey())) {
        List<String> keys = new ArrayList<>();
        entry.getValue().path("records").forEach(r -> keys.add(r.path("key").asText()));
        return Map.entry(entry.getKey(), keys);
      }
    }
    return null;
  }

  /** Appends the {@code started} line of replay {@code id}. */
  void started(String id, Map<String, String> selection, List<Replayed> records) {
    ObjectNode entry = line(id, "started");
    ObjectNode filter = entry.putObject("selection");
    selection.forEach(filter::put);
    ArrayNode list = entry.putArray("records");
    for (Replayed record : records) {
      list.addObject().put("key", record.key).put("code", record.code);
      replayed.add(record.key);
    }
    append(entry);
    started.put(id, entry);
  }

  /** Appends the {@code finished} line of replay {@code id}: each record's result. */
  void finished(String id, Map<String, Long> counts, Map<String, String> results) {
    ObjectNode entry = line(id, "finished");
    ObjectNode totals = entry.putObject("results");
    counts.forEach(totals::put);
    ArrayNode list = entry.putArray("records");
    results.forEach((key, result) -> list.addObject().put("key", key).put("result", result));
    append(entry);
    finished.add(id);
  }

  private static ObjectNode line(String id, String event) {
    ObjectNode entry = JSON.createObjectNode();
    entry.put("replay", id).put("event", event).put("time", Instant.now().toString());
    return entry;
  }

  private void append(ObjectNode entry) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(
          file,
          JSON.writeValueAsString(entry) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND,
          StandardOpenOption.SYNC);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the replay ledger " + file, e);
    }
  }

  /** A dead letter a replay selected: its key and the code it had. */
  static final class Replayed {
    final String key;
    final String code;

    Replayed(String key, String code) {
      this.key = key;
      this.code = code;
    }
  }
}
