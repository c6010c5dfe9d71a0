package dev.streamy.pipelines;

import com.google.auto.value.AutoValue;
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
import dev.streamy.transforms.SourceRecord;
import dev.streamy.transforms.StreamyCounters;
import dev.streamy.transforms.WindowEvents;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.clients.producer.ProducerConfig;

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

  /**
   * The whole pipeline, not yet started: read, ingest ({@link #ingest}), then write events and
   * aggregates to each sink and every dead letter to the dead-letter sink.
   */
  public static Pipeline build(Settings settings) {
    Pipeline pipeline = Pipeline.create(settings.getPipelineOptions());
    PCollection<SourceRecord> records = pipeline.apply("ReadKafkaRecords", read(settings));
    Outputs outputs = ingest(records, settings);
    if (settings.getSink().writesParquet()) {
      writeParquet(outputs, settings);
    }
    if (settings.getSink().writesIceberg()) {
      writeIceberg(outputs, settings);
    }
    outputs.getDeadLetters().apply("WriteDeadLetters", writeDeadLetters(settings));
    return pipeline;
  }

  /** The topic's records, timestamped with their event time. */
  private static ReadKafkaRecords read(Settings settings) {
    ReadKafkaRecords read =
        ReadKafkaRecords.from(settings.getBootstrapServers(), settings.getInputTopic())
            .withConsumerConfig(settings.getKafkaConfig())
            .withMaxRecords(settings.getMaxRecords())
            .withEventTime(
                settings.getContract().getEventTimePath(), settings.getMaxOutOfOrderness());
    return settings.getConsumerGroup() == null
        ? read
        : read.withConsumerGroup(settings.getConsumerGroup());
  }

  /**
   * The graph from source records to events, aggregates and dead letters, without IO, so that a
   * test can feed it with {@code Create} or {@code TestStream}.
   */
  public static Outputs ingest(PCollection<SourceRecord> records, Settings settings) {
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
    PCollection<KV<SourceRecord, Row>> unique =
        validated
            .output()
            .apply(
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
  private static void writeParquet(Outputs outputs, Settings settings) {
    Contract contract = settings.getContract();
    outputs
        .getEvents()
        .apply(
            "WriteEvents",
            WriteParquet.to(settings.getOutput() + "/events", contract.getEventSchema())
                .withPrefix("events")
                .withTargetFileSize(settings.getTargetFileBytes()));
    outputs
        .getAggregates()
        .apply(
            "WriteAggregates",
            WriteParquet.to(
                    settings.getOutput() + "/aggregates", AggregateEvents.outputSchema(contract))
                .withPrefix("aggregates")
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
  private static WriteDeadLetters writeDeadLetters(Settings settings) {
    WriteDeadLetters deadLetters =
        WriteDeadLetters.stampedAs(NAME, VERSION).withSinkId(settings.getSinkId());
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
