package dev.streamy.runners;

import dev.streamy.options.TemplateParameter;
import dev.streamy.pipelines.IngestOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Options of {@code ./streamy replay}: which dead letters to replay, and the ingest's options for
 * where they go (contract, output, sinks, DLQ topic), as the ingest that wrote them had them. The
 * input topic defaults to the dead letters' source topic; a dry run of files needs no Kafka.
 */
public interface ReplayOptions extends IngestOptions {

  @Description(
      "Where the dead letters are read: files (the Parquet files under <output>/dead-letters),"
          + " topic (the DLQ topic, read_committed) or iceberg (the dead_letters table of the"
          + " Iceberg catalog options).")
  @Default.String("files")
  @TemplateParameter(
      order = 80,
      group = "Replay",
      regexes = "^(files|topic|iceberg)$",
      example = "files")
  String getReplayFrom();

  void setReplayFrom(String value);

  @Description("Print what would be replayed (counts by code, a sample) and change nothing.")
  @Default.Boolean(false)
  @TemplateParameter(order = 81, group = "Replay", example = "true")
  boolean getDryRun();

  void setDryRun(boolean value);

  @Description("Only dead letters with these error codes, comma-separated (e.g. SCHEMA_VIOLATION).")
  @TemplateParameter(order = 82, group = "Replay", example = "SCHEMA_VIOLATION,MISSING_FIELD")
  String getErrorCodes();

  void setErrorCodes(String value);

  @Description("Only dead letters of these stages, comma-separated (PARSE, VALIDATE, WINDOW, ...).")
  @TemplateParameter(order = 83, group = "Replay", example = "VALIDATE")
  String getStages();

  void setStages(String value);

  @Description("Only dead letters from this source topic.")
  @TemplateParameter(order = 84, group = "Replay", example = "recentchange")
  String getSourceTopic();

  void setSourceTopic(String value);

  @Description(
      "Only dead letters from these source partitions and offsets: comma-separated P, P:FROM-TO"
          + " (inclusive) or P:FROM- (e.g. 0:100-250,3).")
  @TemplateParameter(order = 85, group = "Replay", example = "0:100-250,3")
  String getSourceOffsets();

  void setSourceOffsets(String value);

  @Description(
      "Only dead letters that failed at or after this time (ISO-8601, e.g. 2026-12-04T10:00:00Z).")
  @TemplateParameter(order = 86, group = "Replay", example = "2026-12-04T10:00:00Z")
  String getFailedAfter();

  void setFailedAfter(String value);

  @Description("Only dead letters that failed before this time (ISO-8601).")
  @TemplateParameter(order = 87, group = "Replay", example = "2026-12-04T11:00:00Z")
  String getFailedBefore();

  void setFailedBefore(String value);

  @Description(
      "Only dead letters written by this contract version or pipeline version (dlq.pipeline.version,"
          + " e.g. 0.1.0+mediawiki-recentchange-1.0.0, or a prefix of it).")
  @TemplateParameter(order = 88, group = "Replay", example = "0.1.0+mediawiki-recentchange-1.0.0")
  String getWrittenBy();

  void setWrittenBy(String value);

  @Description(
      "A dead letter replayed this many times already is refused, not replayed again: each"
          + " replayed record carries its attempt in the streamy.replay.attempt header.")
  @Default.Integer(3)
  @TemplateParameter(order = 89, group = "Replay", regexes = "^[1-9][0-9]*$", example = "3")
  int getMaxAttempts();

  void setMaxAttempts(int value);

  @Description(
      "The replay ledger (JSON lines: each replay, its selection and what became of each record)."
          + " Default: <output>/replays/ledger.jsonl.")
  @TemplateParameter(order = 90, group = "Replay", example = "/data/streamy/replays/ledger.jsonl")
  String getReplayLedger();

  void setReplayLedger(String value);
}
