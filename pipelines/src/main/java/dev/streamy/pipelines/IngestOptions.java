package dev.streamy.pipelines;

import dev.streamy.io.IcebergCatalogSettings;
import dev.streamy.options.KafkaOptions;
import dev.streamy.options.TemplateParameter;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * Options of the ingest pipeline. The names are API: launchers, templates and scripts pass them as
 * {@code --name=value} on every runner.
 */
public interface IngestOptions extends KafkaOptions {

  @Description("Kafka topic to read events from.")
  @Validation.Required
  @TemplateParameter(
      order = 11,
      group = "Kafka",
      type = TemplateParameter.Type.KAFKA_READ_TOPIC,
      regexes = TemplateParameter.KAFKA_TOPIC,
      example = "recentchange")
  String getInputTopic();

  void setInputTopic(String value);

  @Description(
      "Output folder (local path or any Beam file system URI). Events, aggregates and dead"
          + " letters are written below it as Parquet.")
  @Validation.Required
  @TemplateParameter(order = 20, group = "Output", example = "/data/streamy")
  String getOutput();

  void setOutput(String value);

  @Description(
      "Kafka topic for dead letters (value and key byte-identical to the source, metadata as"
          + " dlq.* headers). Default: <inputTopic>.dlq. Set to 'none' to write dead letters to"
          + " files only.")
  @TemplateParameter(
      order = 15,
      group = "Kafka",
      label = "Dead-letter topic",
      type = TemplateParameter.Type.KAFKA_WRITE_TOPIC,
      regexes = TemplateParameter.KAFKA_TOPIC,
      example = "recentchange.dlq")
  String getDeadLetterTopic();

  void setDeadLetterTopic(String value);

  @Description(
      "Partitions of the DLQ topic when the ingest creates it (it does when the topic is"
          + " missing). Dead letters have one sender, so one partition keeps their order and costs"
          + " nothing.")
  @Default.Integer(1)
  @TemplateParameter(
      order = 16,
      group = "Kafka",
      label = "DLQ topic partitions",
      regexes = "^[1-9][0-9]*$",
      example = "1")
  int getDeadLetterTopicPartitions();

  void setDeadLetterTopicPartitions(int value);

  @Description(
      "Create the input topic with this many partitions when it is missing. 0: a missing input"
          + " topic is an error.")
  @Default.Integer(0)
  @TemplateParameter(
      order = 17,
      group = "Kafka",
      label = "Input topic partitions",
      regexes = "^[0-9]+$",
      example = "6")
  int getInputTopicPartitions();

  void setInputTopicPartitions(int value);

  @Description(
      "Replication factor of the topics the ingest creates. 0: the broker's"
          + " default.replication.factor.")
  @Default.Integer(0)
  @TemplateParameter(
      order = 18,
      group = "Kafka",
      label = "Replication of created topics",
      regexes = "^[0-9]+$",
      example = "3")
  int getTopicReplication();

  void setTopicReplication(int value);

  @Description("Event-time window size, as an ISO-8601 duration (PT1M) or 30s, 1m, 2h.")
  @Default.String("1m")
  @TemplateParameter(
      order = 40,
      group = "Windows",
      regexes = TemplateParameter.DURATION,
      example = "PT1M")
  String getWindowSize();

  void setWindowSize(String value);

  @Description(
      "How long after a window closes late events still count (ISO-8601 or 30s, 5m, 1h). Later"
          + " events become TS_LATE dead letters.")
  @Default.String("5m")
  @TemplateParameter(
      order = 41,
      group = "Windows",
      regexes = TemplateParameter.DURATION,
      example = "5m")
  String getAllowedLateness();

  void setAllowedLateness(String value);

  @Description(
      "Read this many records, then finish (a bounded run). 0: read forever (streaming), or"
          + " exactly the range of a backfill (--startOffsets and friends).")
  @Default.Long(0)
  @TemplateParameter(order = 13, group = "Kafka", label = "Maximum records", example = "100000")
  long getMaxRecords();

  void setMaxRecords(long value);

  @Description(
      "Backfill from these offsets, as partition:offset pairs (0:100,1:250); only the partitions"
          + " named are read. Makes the run bounded over exactly the range, never committing the"
          + " consumer group's offsets. Not with --startTime. Default: none (a backfill given only"
          + " an end starts at each partition's log start).")
  @TemplateParameter(
      order = 60,
      group = "Backfill",
      label = "Start offsets",
      regexes = "^[0-9]+:[0-9]+(,[0-9]+:[0-9]+)*$",
      example = "0:100,1:250")
  String getStartOffsets();

  void setStartOffsets(String value);

  @Description(
      "Backfill up to these offsets, exclusive, as partition:offset pairs (0:500,1:900); with"
          + " --startOffsets both must name the same partitions. Not with --endTime. Default:"
          + " none (a backfill ends at each partition's log end offset when it starts).")
  @TemplateParameter(
      order = 61,
      group = "Backfill",
      label = "End offsets",
      regexes = "^[0-9]+:[0-9]+(,[0-9]+:[0-9]+)*$",
      example = "0:500,1:900")
  String getEndOffsets();

  void setEndOffsets(String value);

  @Description(
      "Backfill from the first record of each partition whose Kafka record timestamp (not the"
          + " event time) is at or after this ISO-8601 instant or epoch milliseconds. Not with"
          + " --startOffsets. Default: none.")
  @TemplateParameter(
      order = 62,
      group = "Backfill",
      label = "Start time",
      regexes = "^([0-9]{1,18}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+)$",
      example = "2026-12-04T00:00:00Z")
  String getStartTime();

  void setStartTime(String value);

  @Description(
      "Backfill up to, not including, the first record of each partition whose Kafka record"
          + " timestamp is at or after this ISO-8601 instant or epoch milliseconds (none: the log"
          + " end offset when the run starts). Not with --endOffsets. Default: none.")
  @TemplateParameter(
      order = 63,
      group = "Backfill",
      label = "End time",
      regexes = "^([0-9]{1,18}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+)$",
      example = "2026-12-04T06:00:00Z")
  String getEndTime();

  void setEndTime(String value);

  @Description(
      "Extra Kafka consumer (and DLQ producer) config as comma-separated key=value pairs, e.g."
          + " security.protocol=SASL_SSL,sasl.mechanism=PLAIN,sasl.jaas.config=... Secret values"
          + " are redacted from logs and display data.")
  @Default.String("")
  @TemplateParameter(
      order = 14,
      group = "Kafka",
      example = "security.protocol=SASL_SSL,sasl.mechanism=PLAIN")
  String getKafkaConsumerConfig();

  void setKafkaConsumerConfig(String value);

  @Description(
      "Data contract: a bundled name (mediawiki-recentchange-1.0.0) or the path of a"
          + " *.contract.json mapping file next to its JSON Schema.")
  @Default.String("mediawiki-recentchange-1.0.0")
  @TemplateParameter(order = 30, group = "Validation", example = "/contracts/orders.contract.json")
  String getContract();

  void setContract(String value);

  @Description(
      "How long an event id is remembered for deduplication (event time), e.g. 10m. 0: no"
          + " deduplication.")
  @Default.String("10m")
  @TemplateParameter(
      order = 43,
      group = "Windows",
      label = "Deduplication window",
      regexes = TemplateParameter.DURATION,
      example = "10m")
  String getDedupeWindow();

  void setDedupeWindow(String value);

  @Description("Events whose time is further than this in the future are TS_FUTURE dead letters.")
  @Default.String("1h")
  @TemplateParameter(
      order = 33,
      group = "Validation",
      label = "Maximum future skew",
      regexes = TemplateParameter.DURATION,
      example = "1h")
  String getMaxFutureSkew();

  void setMaxFutureSkew(String value);

  @Description("Values larger than this many bytes are TOO_LARGE dead letters.")
  @Default.Integer(1_048_576)
  @TemplateParameter(
      order = 31,
      group = "Validation",
      label = "Maximum record bytes",
      regexes = "^[1-9][0-9]*$",
      example = "1048576")
  int getMaxRecordBytes();

  void setMaxRecordBytes(int value);

  @Description("JSON nested deeper than this is a TOO_DEEP dead letter.")
  @Default.Integer(64)
  @TemplateParameter(
      order = 32,
      group = "Validation",
      label = "Maximum JSON depth",
      regexes = "^[1-9][0-9]*$",
      example = "64")
  int getMaxJsonDepth();

  void setMaxJsonDepth(int value);

  @Description(
      "How far the watermark trails the newest event time seen on a partition (out-of-orderness"
          + " tolerated before events count as late), e.g. 30s.")
  @Default.String("30s")
  @TemplateParameter(
      order = 42,
      group = "Windows",
      label = "Maximum out-of-orderness",
      regexes = TemplateParameter.DURATION,
      example = "30s")
  String getMaxOutOfOrderness();

  void setMaxOutOfOrderness(String value);

  @Description(
      "Size in MB a Parquet file of a window grows to before the next starts. Rows are written as"
          + " they arrive; when a window closes its files are merged up to this size.")
  @Default.Integer(128)
  @TemplateParameter(
      order = 22,
      group = "Output",
      label = "Target file size (MB)",
      regexes = "^[1-9][0-9]*$",
      example = "128")
  int getTargetFileSizeMb();

  void setTargetFileSizeMb(int value);

  @Description(
      "Kafka consumer group id. A stream commits its offsets when a bundle is finalized; a"
          + " bounded run (--maxRecords) starts from them and commits nothing; a backfill neither reads"
          + " nor commits them.")
  @Default.String("streamy-ingest")
  @TemplateParameter(order = 12, group = "Kafka", example = "streamy-ingest")
  String getConsumerGroup();

  void setConsumerGroup(String value);

  @Description(
      "Where events, aggregates and dead letters go: parquet (files under --output), iceberg"
          + " (tables in the Iceberg catalog) or both. Dead letters also go to the DLQ topic.")
  @Default.Enum("PARQUET")
  @TemplateParameter(
      order = 21,
      group = "Output",
      values = {"parquet", "iceberg", "both"})
  Sink getSink();

  void setSink(Sink value);

  @Description(
      "Iceberg catalog: hadoop (a warehouse folder, by default <output>/warehouse; needs nothing"
          + " installed) or rest (an Iceberg REST catalog at --icebergCatalogUri).")
  @Default.Enum("HADOOP")
  @TemplateParameter(
      order = 50,
      group = "Iceberg",
      values = {"hadoop", "rest"})
  IcebergCatalogSettings.Type getIcebergCatalogType();

  void setIcebergCatalogType(IcebergCatalogSettings.Type value);

  @Description(
      "URI of the Iceberg REST catalog. Default: none; required with --icebergCatalogType=rest.")
  @TemplateParameter(
      order = 51,
      group = "Iceberg",
      label = "Iceberg catalog URI",
      example = "http://catalog:8181")
  String getIcebergCatalogUri();

  void setIcebergCatalogUri(String value);

  @Description(
      "Iceberg warehouse location. Default: <output>/warehouse for the hadoop catalog; the"
          + " catalog server's own for rest.")
  @TemplateParameter(order = 52, group = "Iceberg", example = "s3://warehouse/")
  String getIcebergWarehouse();

  void setIcebergWarehouse(String value);

  @Description(
      "Extra Iceberg catalog properties as key=value pairs (e.g. io-impl, s3.endpoint,"
          + " s3.access-key-id, s3.secret-access-key, token). Secret values are redacted from logs"
          + " and display data.")
  @Default.String("")
  @TemplateParameter(
      order = 53,
      group = "Iceberg",
      example = "io-impl=org.apache.iceberg.aws.s3.S3FileIO,s3.endpoint=http://minio:9000")
  String getIcebergCatalogProperties();

  void setIcebergCatalogProperties(String value);

  @Description(
      "A Java properties file of Iceberg catalog properties (credential, token,"
          + " s3.secret-access-key, ...), so that secrets need not appear on the command line. A"
          + " value may contain ${env:NAME}, the environment variable's value. Properties given"
          + " inline (--icebergCatalogProperties) win over the file's. Default: none.")
  @TemplateParameter(order = 53, group = "Iceberg", example = "/etc/streamy/catalog.properties")
  String getIcebergCatalogConfigFile();

  void setIcebergCatalogConfigFile(String value);

  @Description("Iceberg namespace of the events, aggregates and dead_letters tables.")
  @Default.String("streamy")
  @TemplateParameter(order = 54, group = "Iceberg", example = "streamy")
  String getIcebergNamespace();

  void setIcebergNamespace(String value);

  @Description(
      "How often a streaming run commits an Iceberg snapshot. Each commit writes at least one file"
          + " per writer and partition, so shorter intervals mean more small files; 2m keeps it to"
          + " about 720 commits a day. Bounded runs commit once, at the end.")
  @Default.String("2m")
  @TemplateParameter(
      order = 55,
      group = "Iceberg",
      regexes = TemplateParameter.DURATION,
      example = "2m")
  String getIcebergCommitInterval();

  void setIcebergCommitInterval(String value);

  @Description(
      "Names this job in the Iceberg tables it writes: each commit records the sink id, so a"
          + " restarted job never commits a data file twice. Keep it across restarts; give every"
          + " job writing the same tables its own. Default: the consumer group.")
  @TemplateParameter(order = 56, group = "Output", example = "streamy-ingest")
  String getSinkId();

  void setSinkId(String value);

  @Description(
      "Error budget: the pipeline stops, naming the error codes, once more than this share (0 to"
          + " 1) of the records over --errorBudgetWindow became parse or validation dead letters."
          + " 1 (the default) is off; e.g. 0.05 stops at over 5%. The CLI exits with code 3.")
  @Default.Double(1.0)
  @TemplateParameter(
      order = 34,
      group = "Validation",
      label = "Maximum dead-letter ratio",
      regexes = "^(0([.][0-9]+)?|1([.]0+)?)$",
      example = "0.05")
  double getMaxDeadLetterRatio();

  void setMaxDeadLetterRatio(double value);

  @Description(
      "How far back in processing time the error budget's share of dead letters is taken, e.g."
          + " 5m.")
  @Default.String("5m")
  @TemplateParameter(
      order = 35,
      group = "Validation",
      label = "Error budget window",
      regexes = TemplateParameter.DURATION,
      example = "5m")
  String getErrorBudgetWindow();

  void setErrorBudgetWindow(String value);

  @Description(
      "Records a worker must have seen over --errorBudgetWindow before the error budget can stop"
          + " the pipeline, so that a few bad records at the start do not.")
  @Default.Long(1000)
  @TemplateParameter(
      order = 36,
      group = "Validation",
      label = "Error budget minimum records",
      regexes = "^[1-9][0-9]*$",
      example = "1000")
  long getErrorBudgetMinRecords();

  void setErrorBudgetMinRecords(long value);
}
