package dev.streamy.benchmarks.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamy.transforms.Contract;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.EventRules;
import dev.streamy.transforms.JsonParsing;
import dev.streamy.transforms.SourceRecord;
import dev.streamy.transforms.Stage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Real Wikimedia recentchange events for the micro-benchmarks: every tenth line of {@code
 * shared/data/wikimedia-recentchange-real.ndjson} (306 events, 18 of them in an older format that
 * the default contract refuses), bundled as a resource, and what streamy's rules make of them.
 */
final class Samples {

  static final String RESOURCE = "recentchange-sample.ndjson";
  static final String TOPIC = "recentchange";

  /** The processing time the validation benchmarks use: after every sample's event time. */
  static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

  final Contract contract = Contract.load(Contract.DEFAULT);
  final JsonParsing parsing =
      JsonParsing.withLimits(JsonParsing.DEFAULT_MAX_BYTES, JsonParsing.DEFAULT_MAX_DEPTH);
  final EventRules rules = new EventRules(contract, Duration.standardHours(1));

  /** Each sample's bytes. */
  final List<byte[]> values = new ArrayList<>();

  /** Each sample as a source record at offset = its line number. */
  final List<SourceRecord> records = new ArrayList<>();

  /** Each sample parsed. */
  final List<JsonNode> parsed = new ArrayList<>();

  /** The samples the contract accepts, parsed, with their records. */
  final List<JsonNode> valid = new ArrayList<>();

  final List<SourceRecord> validRecords = new ArrayList<>();

  /** The typed rows of the valid samples. */
  final List<Row> rows = new ArrayList<>();

  /** A dead letter for every refused sample, as the validate step makes it. */
  final List<DeadLetter> deadLetters = new ArrayList<>();

  Samples() {
    for (byte[] line : lines()) {
      SourceRecord record = SourceRecord.of(TOPIC, 0, values.size(), line);
      values.add(line);
      records.add(record);
      JsonParsing.Outcome outcome = parsing.parse(line);
      if (!outcome.isOk()) {
        throw new IllegalStateException("a sample does not parse: " + outcome);
      }
      JsonNode event = outcome.getNode();
      parsed.add(event);
      EventRules.Verdict verdict = rules.check(event, NOW);
      if (verdict.isValid()) {
        valid.add(event);
        validRecords.add(record);
        rows.add(contract.toRow(event, record));
      } else {
        deadLetters.add(
            DeadLetter.of(record, Stage.VALIDATE, verdict.getCode())
                .setMessage(verdict.getMessage())
                .setViolations(verdict.getViolations())
                .setEventId(verdict.getEventId())
                .build());
      }
    }
    if (valid.isEmpty() || deadLetters.isEmpty()) {
      throw new IllegalStateException("the samples need valid and refused events");
    }
  }

  private static List<byte[]> lines() {
    byte[] all;
    try (InputStream in = Samples.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + RESOURCE + " is missing");
      }
      all = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= all.length; i++) {
      if (i == all.length || all[i] == '\n') {
        if (i > start) {
          lines.add(Arrays.copyOfRange(all, start, i));
        }
        start = i + 1;
      }
    }
    return lines;
  }
}
