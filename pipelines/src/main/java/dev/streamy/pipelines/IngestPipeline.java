package dev.streamy.pipelines;

import com.google.auto.value.AutoValue;
import dev.streamy.io.CreateSourceRecords;
import dev.streamy.io.IcebergCatalogSettings;
import dev.streamy.io.ReadKafkaRecords;
import dev.streamy.io.WriteDeadLetters;
import dev.streamy.io.WriteIceberg;
import dev.streamy.io.WriteParquet;
import dev.streamy.transforms.AggregateEvents;
import dev.streamy.transforms.CheckEvents;
import dev.streamy.transforms.Contract;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.DeduplicateEvents;
import dev.streamy.transforms.ParseEvents;
import dev.streamy.transforms.SkipLandedEvents;
import dev.streamy.transforms.SourceRecord;
import dev.streamy.transforms.StreamyCounters;
import dev.streamy.transforms.WindowEvents;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.annotation.Nullable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest pipeline: Kafka records are parsed and validated against the contract, deduplicated,
 * windowed by event time and aggregated; events, aggregates and dead letters are written as Parquet
 * files and/or Iceberg tables, and dead letters also to a Kafka topic. Every record ends in exactly
 * one place.
 */
public final class IngestPipeline {

  /** Stamped on every dead letter. */
  public static final String NAME = "streamy-ingest";

  public static final String VERSION = "0.1.0";

  /** The Iceberg tables streamy writes, in {@code --icebergNamespace}. */
  public static final String EVENTS_TABLE = "events";

  public static final String AGGREGATES_TABLE = "aggregates";
  public static final String DEAD_LETTERS_TABLE = "dead_letters";

  /** The three tables, in that order. */
  public static final List<String> TABLES =
      List.of(EVENTS_TABLE, AGGREGATES_TABLE, DEAD_LETTERS_TABLE);

  private static final Logger LOG = LoggerFactory.getLogger(IngestPipeline.class);

  private IngestPipeline() {}

  public static void main(String[] args) {
    PipelineOptionsFactory.register(IngestOptions.class);
    Settings settings;
    try {
      settings =
          Settings.from(
              PipelineOptionsFactory.fromArgs(args).withValidation().as(IngestOptions.class));
    } catch (IllegalArgumentException e) {
      System.err.println("streamy: " + OptionErrors.oneLine(e));
      System.exit(2);
      return;
    }
    // No waitUntilFinish: the DirectRunner's run() already blocks until a bounded run is done,
    // and a launcher such as a Flex template's must get control back once the job is submitted.
    run(settings);
  }

  /** Builds the pipeline from {@code settings} and starts it on the runner they name. */
  public static PipelineResult run(Settings settings) {
    return build(settings).run();
  }

  /** As {@link #run(Settings)}, for a backfill whose plan is already made. */
  public static PipelineResult run(Settings settings, @Nullable BackfillPlan backfill) {
    return build(settings, backfill).run();
  }

  /**
   * The whole pipeline, not yet started: read, ingest ({@link #ingest}), then write events and
   * aggregates to each sink and every dead letter to the dead-letter sink. A backfill is planned
   * here ({@link BackfillPlan#prepare}), against the broker and the outputs as they are now.
   */
  public static Pipeline build(Settings settings) {
    return build(settings, settings.isBackfill() ? BackfillPlan.prepare(settings) : null);
  }

  /**
   * As {@link #build(Settings)}; a backfill reads only the gaps of {@code backfill}, drops events
   * the output already holds by id, and writes under names and a sink id of its own.
   */
  public static Pipeline build(Settings settings, @Nullable BackfillPlan backfill) {
    if (settings.isBackfill() != (backfill != null)) {
      throw new IllegalArgumentException("a backfill needs its plan, and only a backfill has one");
    }
    Pipeline pipeline = Pipeline.create(settings.getPipelineOptions());
    String label = "";
    if (backfill != null) {
      LOG.info("{}", backfill.describe());
      settings = settings.toBuilder().setSinkId(backfill.sinkId(settings.getSinkId())).build();
      label = backfill.label();
    }
    PCollection<SourceRecord> records =
        pipeline.apply("ReadKafkaRecords", read(settings, backfill));
    writeOutputs(ingest(records, settings, backfill), settings, label);
    return pipeline;
  }

  /**
   * A replay: {@code records} (dead letters, back as the records they came from) through the same
   * {@link #ingest} and into the same sinks, bounded. Its files are named {@code
   * <part>-<label>-...} (e.g. {@code events-replay-r1-...}) so they never take the name of a file
   * the ingest (or another replay) wrote for the same window, and {@code settings}' sink id should
   * be the replay's own, so that the Iceberg and DLQ topic sinks take its records as new. What
   * became of each record is written as text lines {@code
   * topic<TAB>partition<TAB>offset<TAB>result} (result {@code EVENT}, or the error code of the dead
   * letter it became) under {@code resultsPrefix}; a record in neither was a duplicate.
   */
  public static Pipeline buildReplay(
      Settings settings, List<SourceRecord> records, String label, String resultsPrefix) {
    Pipeline pipeline = Pipeline.create(settings.getPipelineOptions());
    PCollection<SourceRecord> input =
        pipeline.apply(
            "ReplayRecords",
            CreateSourceRecords.of(records, settings.getContract().getEventTimePath()));
    Outputs outputs = ingest(input, settings);
    writeOutputs(outputs, settings, "-" + label);
    PCollection<String> events =
        outputs
            .getEvents()
            .apply(
                "EventResults",
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        row ->
                            result(
                                row.getString(Contract.TOPIC_COLUMN),
                                row.getInt32(Contract.PARTITION_COLUMN),
                                row.getInt64(Contract.OFFSET_COLUMN),
                                "EVENT")))
            .apply("EventResultsGlobal", inOnePane());
    PCollection<String> deadLetters =
        outputs
            .getDeadLetters()
            .apply(
                "DeadLetterResults",
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        d ->
                            result(
                                d.getTopic(), d.getPartition(), d.getOffset(), d.getErrorCode())))
            .apply("DeadLetterResultsGlobal", inOnePane());
    PCollectionList.of(events)
        .and(deadLetters)
        .apply("Results", Flatten.pCollections())
        .apply("WriteResults", TextIO.write().to(resultsPrefix).withSuffix(".tsv"));
    return pipeline;
  }

  /**
   * Takes back what a bounded run with {@code settings}' sink id wrote whose file names carry
   * {@code label} (a replay id) and did not finish: its Parquet files ({@code <part>-<label>-...}
   * and their manifests) and the data files its sink id committed to the Iceberg tables. Its next
   * attempt under the same id then writes each row once. Dead letters on the DLQ topic need
   * nothing: its sink leaves out what the same sink id already sent.
   *
   * @return what was removed, for the user: files and table files
   */
  public static String removeUnfinished(Settings settings, String label)
      throws java.io.IOException {
    int files = 0;
    if (settings.getSink().writesParquet()) {
      for (String part : List.of("events", "aggregates", "dead-letters")) {
        java.nio.file.Path folder = java.nio.file.Path.of(settings.getOutput(), part);
        if (!java.nio.file.Files.isDirectory(folder)) {
          continue;
        }
        List<java.nio.file.Path> own;
        try (java.util.stream.Stream<java.nio.file.Path> all = java.nio.file.Files.walk(folder)) {
          own =
              all.filter(java.nio.file.Files::isRegularFile)
                  .filter(f -> f.getFileName().toString().contains(part + "-" + label + "-"))
                  .toList();
        }
        for (java.nio.file.Path file : own) {
          java.nio.file.Files.delete(file);
          files++;
        }
      }
    }
    int tableFiles = 0;
    if (settings.getSink().writesIceberg()) {
      for (String table : TABLES) {
        tableFiles +=
            WriteIceberg.removeCommitted(
                settings.getIcebergCatalog(),
                settings.getIcebergNamespace(),
                table,
                settings.getSinkId());
      }
    }
    return files + " files and " + tableFiles + " Iceberg data files";
  }

  /** The global window with its default trigger: one pane at the end of the bounded input. */
  private static Window<String> inOnePane() {
    return Window.<String>into(new GlobalWindows())
        .triggering(DefaultTrigger.of())
        .withAllowedLateness(org.joda.time.Duration.ZERO)
        .discardingFiredPanes();
  }

  private static String result(String topic, int partition, long offset, String result) {
    return topic + "\t" + partition + "\t" + offset + "\t" + result;
  }

  /**
   * Events and aggregates to each sink, every dead letter to the dead-letter sink; file names
   * {@code <part><label>-<window>-...}.
   */
  private static void writeOutputs(Outputs outputs, Settings settings, String label) {
    if (settings.getSink().writesParquet()) {
      writeParquet(outputs, settings, label);
    }
    if (settings.getSink().writesIceberg()) {
      writeIceberg(outputs, settings);
    }
    outputs.getDeadLetters().apply("WriteDeadLetters", writeDeadLetters(settings, label));
  }

  /**
   * The topic's records, timestamped with their event time: a backfill's gaps, without the consumer
   * group (nothing read from it, nothing committed), else as the settings say.
   */
  private static ReadKafkaRecords read(Settings settings, @Nullable BackfillPlan backfill) {
    ReadKafkaRecords read =
        ReadKafkaRecords.from(settings.getBootstrapServers(), settings.getInputTopic())
            .withConsumerConfig(settings.getKafkaConfig())
            .withEventTime(
                settings.getContract().getEventTimePath(), settings.getMaxOutOfOrderness());
    if (backfill != null) {
      return read.withRanges(backfill.gaps());
    }
    read = read.withMaxRecords(settings.getMaxRecords());
    return settings.getConsumerGroup() == null
        ? read
        : read.withConsumerGroup(settings.getConsumerGroup());
  }

  /**
   * The graph from source records to events, aggregates and dead letters, without IO, so that a
   * test can feed it with {@code Create} or {@code TestStream}.
   */
  public static Outputs ingest(PCollection<SourceRecord> records, Settings settings) {
    return ingest(records, settings, null);
  }

  /**
   * As {@link #ingest(PCollection, Settings)}; a backfill also drops the valid events whose id the
   * output already holds ({@link SkipLandedEvents}), as the stream's deduplication would have.
   */
  public static Outputs ingest(
      PCollection<SourceRecord> records, Settings settings, @Nullable BackfillPlan backfill) {
    Contract contract = settings.getContract();
    // Parse and validate in one step, so that no runner ever encodes the JSON tree in between.
    CheckEvents check =
        CheckEvents.of(
            ParseEvents.withLimits(settings.getMaxRecordBytes(), settings.getMaxJsonDepth()),
            contract,
            settings.getMaxFutureSkew());
    if (settings.getErrorBudget().isOn()) {
      check = check.withErrorBudget(settings.getErrorBudget());
    }
    if (records.isBounded() == PCollection.IsBounded.BOUNDED) {
      // Nothing is late in a bounded run, so no step after this one dead-letters an event: valid
      // events need only their coordinates, and the deduplication's shuffle stays small.
      check = check.withoutPayload();
    }
    WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> validated =
        records.apply("CheckEvents", check);
    PCollection<KV<SourceRecord, Row>> valid = validated.output();
    if (backfill != null) {
      valid =
          valid.apply(
              "SkipLandedEvents",
              SkipLandedEvents.withIds(contract.eventIdColumn(), backfill.landedIds()));
    }
    PCollection<KV<SourceRecord, Row>> unique =
        valid.apply(
            "DeduplicateEvents",
            DeduplicateEvents.byColumn(contract.eventIdColumn(), settings.getDedupeWindow()));
    WindowEvents windowing =
        WindowEvents.of(settings.getWindowSize(), settings.getAllowedLateness(), contract);
    WithFailures.Result<PCollection<Row>, DeadLetter> windowed =
        unique.apply("WindowEvents", windowing);
    PCollection<Row> aggregates =
        windowed
            .output()
            .apply("AccumulatePanes", windowing.accumulating())
            .apply("AggregateEvents", AggregateEvents.of(contract));
    PCollection<DeadLetter> deadLetters =
        PCollectionList.of(validated.failures())
            .and(windowed.failures())
            .apply("CollectDeadLetters", Flatten.pCollections());
    return Outputs.of(windowed.output(), aggregates, deadLetters);
  }

  /** Events and aggregates as Parquet files under {@code --output}. */
  private static void writeParquet(Outputs outputs, Settings settings, String label) {
    Contract contract = settings.getContract();
    outputs
        .getEvents()
        .apply(
            "WriteEvents",
            WriteParquet.to(settings.getOutput() + "/events", contract.getEventSchema())
                .withPrefix("events" + label)
                .withTargetFileSize(settings.getTargetFileBytes()));
    outputs
        .getAggregates()
        .apply(
            "WriteAggregates",
            WriteParquet.to(
                    settings.getOutput() + "/aggregates", AggregateEvents.outputSchema(contract))
                .withPrefix("aggregates" + label)
                .withTargetFileSize(settings.getTargetFileBytes()));
  }

  /**
   * Events and aggregates to their Iceberg tables. The three tables are created (or evolved) from
   * the contract first, before anything runs, so that a breaking contract change fails here, naming
   * the field, never mid-stream.
   */
  private static void writeIceberg(Outputs outputs, Settings settings) {
    IcebergCatalogSettings catalog = settings.getIcebergCatalog();
    String namespace = settings.getIcebergNamespace();
    Contract contract = settings.getContract();
    WriteIceberg.ensureTable(
        catalog, namespace, EVENTS_TABLE, contract.getEventSchema(), contract.eventTimeColumn());
    WriteIceberg.ensureTable(
        catalog,
        namespace,
        AGGREGATES_TABLE,
        AggregateEvents.outputSchema(contract),
        "window_start");
    WriteIceberg.ensureTable(
        catalog, namespace, DEAD_LETTERS_TABLE, DeadLetter.SCHEMA, "processingTime");
    outputs.getEvents().apply("WriteEventsTable", icebergTable(settings, EVENTS_TABLE));
    outputs.getAggregates().apply("WriteAggregatesTable", icebergTable(settings, AGGREGATES_TABLE));
  }

  /** Every dead letter, once, to each sink the settings name: files, table and DLQ topic. */
  private static WriteDeadLetters writeDeadLetters(Settings settings, String label) {
    WriteDeadLetters deadLetters =
        WriteDeadLetters.stampedAs(NAME, stampedVersion(settings.getContract()))
            .withSinkId(settings.getSinkId())
            .withFilePrefix("dead-letters" + label);
    if (settings.getSink().writesParquet()) {
      deadLetters =
          deadLetters.toFiles(
              settings.getOutput() + "/dead-letters", settings.getTargetFileBytes());
    }
    if (settings.getSink().writesIceberg()) {
      deadLetters = deadLetters.toIceberg(icebergTable(settings, DEAD_LETTERS_TABLE));
    }
    if (settings.getDeadLetterTopic() != null) {
      deadLetters =
          deadLetters.toTopic(
              settings.getBootstrapServers(),
              settings.getDeadLetterTopic(),
              producerPart(settings.getKafkaConfig()));
    }
    return deadLetters;
  }

  /**
   * The version a dead letter is stamped with: the pipeline's, then the contract it was judged by,
   * as SemVer build metadata ({@code 0.1.0+mediawiki-recentchange-1.0.0}), so that a replay can
   * pick the dead letters of one contract version.
   */
  public static String stampedVersion(Contract contract) {
    return VERSION + "+" + contract.id();
  }

  private static WriteIceberg icebergTable(Settings settings, String table) {
    return WriteIceberg.to(settings.getIcebergCatalog(), settings.getIcebergNamespace(), table)
        .withCommitInterval(settings.getIcebergCommitInterval())
        .withSinkId(settings.getSinkId())
        .withTargetFileSize(settings.getTargetFileBytes());
  }

  /**
   * The pipeline's own counters of a run ({@link StreamyCounters}, e.g. {@code records_read},
   * {@code dead_letters_PARSE_ERROR}), each summed over the steps that count it.
   */
  public static Map<String, Long> counters(PipelineResult result) {
    Map<String, Long> counters = new TreeMap<>();
    MetricQueryResults metrics = result.metrics().queryMetrics(MetricsFilter.builder().build());
    for (MetricResult<Long> counter : metrics.getCounters()) {
      if (counter.getName().getNamespace().equals(StreamyCounters.NAMESPACE)) {
        counters.merge(counter.getName().getName(), counter.getAttempted(), Long::sum);
      }
    }
    return counters;
  }

  /**
   * The entries of the Kafka client settings a producer understands (security, client and producer
   * settings), so the DLQ producer gets the same credentials without consumer-only keys.
   */
  static Map<String, String> producerPart(Map<String, String> kafkaConfig) {
    Map<String, String> producer = new LinkedHashMap<>();
    kafkaConfig.forEach(
        (key, value) -> {
          if (ProducerConfig.configNames().contains(key)) {
            producer.put(key, value);
          }
        });
    return producer;
  }

  /** What {@link #ingest} produces. */
  @AutoValue
  public abstract static class Outputs {

    static Outputs of(
        PCollection<Row> events, PCollection<Row> aggregates, PCollection<DeadLetter> deadLetters) {
      return new AutoValue_IngestPipeline_Outputs(events, aggregates, deadLetters);
    }

    /** Valid, unique events in their event-time windows. */
    public abstract PCollection<Row> getEvents();

    /** Per window and group key, one row per pane with the running totals. */
    public abstract PCollection<Row> getAggregates();

    /** The dead letters of every stage, in the global window. */
    public abstract PCollection<DeadLetter> getDeadLetters();
  }
}
