package dev.streamy.pipelines;

import dev.streamy.io.IcebergCatalogSettings;
import dev.streamy.io.ReadKafkaRecords;
import dev.streamy.io.WriteDeadLetters;
import dev.streamy.io.WriteIceberg;
import dev.streamy.io.WriteParquet;
import dev.streamy.options.KafkaConfig;
import dev.streamy.transforms.AggregateEvents;
import dev.streamy.transforms.Contract;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.DeduplicateEvents;
import dev.streamy.transforms.ParseEvents;
import dev.streamy.transforms.SourceRecord;
import dev.streamy.transforms.ValidateEvents;
import dev.streamy.transforms.WindowEvents;
import java.io.Serializable;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.schemas.SchemaRegistry;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.joda.time.Duration;

/**
 * The ingest pipeline: Kafka records are parsed and validated against the contract, deduplicated,
 * windowed by event time and aggregated; events, aggregates and dead letters are written as
 * Parquet, and dead letters also to a Kafka topic. Every record ends in exactly one place.
 */
public final class IngestPipeline {

  /** Stamped on every dead letter. */
  public static final String NAME = "streamy-ingest";

  public static final String VERSION = "0.1.0";

  private IngestPipeline() {}

  public static void main(String[] args) {
    PipelineOptionsFactory.register(IngestOptions.class);
    IngestOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(IngestOptions.class);
    // No waitUntilFinish: the DirectRunner's run() already blocks until a bounded run is done,
    // and a launcher such as a Flex template's must get control back once the job is submitted.
    run(options);
  }

  /** Builds the pipeline from {@code options} and starts it on the runner they name. */
  public static PipelineResult run(IngestOptions options) {
    return run(options, Settings.from(options));
  }

  /** As {@link #run(IngestOptions)}, with the options already read into {@code settings}. */
  public static PipelineResult run(IngestOptions options, Settings settings) {
    Pipeline pipeline = Pipeline.create(options);
    PCollection<SourceRecord> records =
        pipeline.apply(
            "ReadKafkaRecords",
            ReadKafkaRecords.from(options.getBootstrapServers(), options.getInputTopic())
                .withConsumerConfig(settings.kafkaConfig)
                .withConsumerGroup(options.getConsumerGroup())
                .withMaxRecords(options.getMaxRecords())
                .withEventTime(settings.contract.eventTimePath(), settings.maxOutOfOrderness));
    Outputs outputs = ingest(records, settings);
    write(outputs, settings, options);
    return pipeline.run();
  }

  /**
   * The graph from source records to events, aggregates and dead letters, without IO, so that a
   * test can feed it with {@code Create} or {@code TestStream}.
   */
  public static Outputs ingest(PCollection<SourceRecord> records, Settings settings) {
    WithFailures.Result<
            PCollection<KV<SourceRecord, com.fasterxml.jackson.databind.JsonNode>>, DeadLetter>
        parsed =
            records.apply(
                "ParseEvents",
                ParseEvents.withLimits(settings.maxRecordBytes, settings.maxJsonDepth));
    WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> validated =
        parsed
            .output()
            .apply("ValidateEvents", ValidateEvents.of(settings.contract, settings.maxFutureSkew));
    PCollection<KV<SourceRecord, Row>> unique =
        validated
            .output()
            .apply(
                "DeduplicateEvents",
                DeduplicateEvents.byColumn(
                    settings.contract.eventIdColumn(), settings.dedupeWindow));
    WindowEvents windowing =
        WindowEvents.of(settings.windowSize, settings.allowedLateness, settings.contract);
    WithFailures.Result<PCollection<Row>, DeadLetter> windowed =
        unique.apply("WindowEvents", windowing);
    PCollection<Row> aggregates =
        windowed
            .output()
            .apply("AccumulatePanes", windowing.accumulating())
            .apply("AggregateEvents", AggregateEvents.of(settings.contract));
    PCollection<DeadLetter> deadLetters =
        PCollectionList.of(parsed.failures())
            .and(validated.failures())
            .and(windowed.failures())
            .apply("CollectDeadLetters", Flatten.pCollections());
    return new Outputs(windowed.output(), aggregates, deadLetters);
  }

  /**
   * The pipeline's own counters of a run (namespace {@code streamy}, e.g. {@code records_read},
   * {@code dead_letters_PARSE_ERROR}), each summed over the steps that count it.
   */
  public static Map<String, Long> counters(PipelineResult result) {
    Map<String, Long> counters = new java.util.TreeMap<>();
    MetricQueryResults metrics = result.metrics().queryMetrics(MetricsFilter.builder().build());
    for (MetricResult<Long> counter : metrics.getCounters()) {
      if (counter.getName().getNamespace().equals(WriteDeadLetters.NAMESPACE)) {
        counters.merge(counter.getName().getName(), counter.getAttempted(), Long::sum);
      }
    }
    return counters;
  }

  /** The Iceberg tables streamy writes, in {@code --icebergNamespace}. */
  public static final String EVENTS_TABLE = "events";

  public static final String AGGREGATES_TABLE = "aggregates";
  public static final String DEAD_LETTERS_TABLE = "dead_letters";

  private static void write(Outputs outputs, Settings settings, IngestOptions options) {
    String output = options.getOutput().replaceAll("/+$", "");
    WriteDeadLetters deadLetters = WriteDeadLetters.stampedAs(NAME, VERSION);
    if (settings.sink != Sink.ICEBERG) {
      writeParquet(outputs, settings, options, output);
      deadLetters = deadLetters.toFiles(output + "/dead-letters", options.getNumShards());
    }
    if (settings.sink != Sink.PARQUET) {
      deadLetters = writeIceberg(outputs, settings, output, deadLetters);
    }
    if (settings.deadLetterTopic != null) {
      deadLetters =
          deadLetters.toTopic(
              options.getBootstrapServers(),
              settings.deadLetterTopic,
              producerPart(settings.kafkaConfig));
    }
    outputs.deadLetters.apply("WriteDeadLetters", deadLetters);
  }

  /**
   * Creates (or evolves) the three tables from the contract before anything runs, so that a
   * breaking contract change fails here, naming the field, never mid-stream.
   */
  private static WriteDeadLetters writeIceberg(
      Outputs outputs, Settings settings, String output, WriteDeadLetters deadLetters) {
    IcebergCatalogSettings catalog = settings.icebergCatalog(output);
    String namespace = settings.icebergNamespace;
    WriteIceberg.ensureTable(
        catalog,
        namespace,
        EVENTS_TABLE,
        settings.contract.eventSchema(),
        settings.contract.eventTimeColumn());
    WriteIceberg.ensureTable(
        catalog,
        namespace,
        AGGREGATES_TABLE,
        AggregateEvents.outputSchema(settings.contract),
        "window_start");
    WriteIceberg.ensureTable(
        catalog, namespace, DEAD_LETTERS_TABLE, deadLetterSchema(), "processingTime");
    outputs.events.apply(
        "WriteEventsTable",
        WriteIceberg.to(catalog, namespace, EVENTS_TABLE)
            .withCommitInterval(settings.icebergCommitInterval));
    outputs.aggregates.apply(
        "WriteAggregatesTable",
        WriteIceberg.to(catalog, namespace, AGGREGATES_TABLE)
            .withCommitInterval(settings.icebergCommitInterval));
    return deadLetters.toIceberg(
        WriteIceberg.to(catalog, namespace, DEAD_LETTERS_TABLE)
            .withCommitInterval(settings.icebergCommitInterval));
  }

  /** The Beam schema of a dead letter, as its Parquet files and Iceberg table hold it. */
  public static org.apache.beam.sdk.schemas.Schema deadLetterSchema() {
    try {
      return SchemaRegistry.createDefault().getSchema(DeadLetter.class);
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException("DeadLetter has a schema by annotation", e);
    }
  }

  private static void writeParquet(
      Outputs outputs, Settings settings, IngestOptions options, String output) {
    outputs.events.apply(
        "WriteEvents",
        WriteParquet.to(output + "/events", settings.contract.eventSchema())
            .withPrefix("events")
            .withNumShards(options.getNumShards()));
    outputs.aggregates.apply(
        "WriteAggregates",
        WriteParquet.to(output + "/aggregates", AggregateEvents.outputSchema(settings.contract))
            .withPrefix("aggregates")
            .withNumShards(options.getNumShards()));
  }

  /**
   * The entries of {@code --kafkaConsumerConfig} a producer understands (security, client and
   * producer settings), so the DLQ producer gets the same credentials without consumer-only keys.
   */
  static Map<String, String> producerPart(Map<String, String> kafkaConfig) {
    Map<String, String> producer = new java.util.LinkedHashMap<>();
    kafkaConfig.forEach(
        (key, value) -> {
          if (ProducerConfig.configNames().contains(key)) {
            producer.put(key, value);
          }
        });
    return producer;
  }

  /** Where the outputs go ({@code --sink}). */
  public enum Sink {
    PARQUET,
    ICEBERG,
    BOTH;

    static Sink parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException("--sink=" + text + ": use parquet, iceberg or both");
      }
    }
  }

  /** What {@link #ingest} produces. */
  public static final class Outputs {
    public final PCollection<Row> events;
    public final PCollection<Row> aggregates;
    public final PCollection<DeadLetter> deadLetters;

    Outputs(
        PCollection<Row> events, PCollection<Row> aggregates, PCollection<DeadLetter> deadLetters) {
      this.events = events;
      this.aggregates = aggregates;
      this.deadLetters = deadLetters;
    }
  }

  /** The options as typed values, read and checked once. */
  public static final class Settings implements Serializable {
    public final Contract contract;
    public final Duration windowSize;
    public final Duration allowedLateness;
    public final Duration dedupeWindow;
    public final Duration maxFutureSkew;
    public final Duration maxOutOfOrderness;
    public final int maxRecordBytes;
    public final int maxJsonDepth;
    public final Map<String, String> kafkaConfig;
    public final @Nullable String deadLetterTopic;
    public final Sink sink;
    public final String icebergCatalogType;
    public final @Nullable String icebergCatalogUri;
    public final @Nullable String icebergWarehouse;
    public final Map<String, String> icebergCatalogProperties;
    public final String icebergNamespace;
    public final Duration icebergCommitInterval;

    public Settings(
        Contract contract,
        Duration windowSize,
        Duration allowedLateness,
        Duration dedupeWindow,
        Duration maxFutureSkew,
        Duration maxOutOfOrderness,
        int maxRecordBytes,
        int maxJsonDepth,
        Map<String, String> kafkaConfig,
        @Nullable String deadLetterTopic,
        Sink sink,
        String icebergCatalogType,
        @Nullable String icebergCatalogUri,
        @Nullable String icebergWarehouse,
        Map<String, String> icebergCatalogProperties,
        String icebergNamespace,
        Duration icebergCommitInterval) {
      this.contract = contract;
      this.windowSize = windowSize;
      this.allowedLateness = allowedLateness;
      this.dedupeWindow = dedupeWindow;
      this.maxFutureSkew = maxFutureSkew;
      this.maxOutOfOrderness = maxOutOfOrderness;
      this.maxRecordBytes = maxRecordBytes;
      this.maxJsonDepth = maxJsonDepth;
      this.kafkaConfig = Map.copyOf(kafkaConfig);
      this.deadLetterTopic = deadLetterTopic;
      this.sink = sink;
      if (!icebergCatalogType.equals("hadoop") && !icebergCatalogType.equals("rest")) {
        throw new IllegalArgumentException(
            "--icebergCatalogType=" + icebergCatalogType + ": use hadoop or rest");
      }
      if (icebergCatalogType.equals("rest") && sink != Sink.PARQUET && icebergCatalogUri == null) {
        throw new IllegalArgumentException("--icebergCatalogType=rest needs --icebergCatalogUri");
      }
      this.icebergCatalogType = icebergCatalogType;
      this.icebergCatalogUri = icebergCatalogUri;
      this.icebergWarehouse = icebergWarehouse;
      this.icebergCatalogProperties = Map.copyOf(icebergCatalogProperties);
      this.icebergNamespace = icebergNamespace;
      this.icebergCommitInterval = icebergCommitInterval;
    }

    /** The Iceberg catalog: REST at its URI, or Hadoop with its warehouse under the output. */
    public IcebergCatalogSettings icebergCatalog(String output) {
      IcebergCatalogSettings catalog =
          icebergCatalogType.equals("rest")
              ? IcebergCatalogSettings.rest(icebergCatalogUri, icebergWarehouse)
              : IcebergCatalogSettings.hadoop(
                  icebergWarehouse != null ? icebergWarehouse : output + "/warehouse");
      return icebergCatalogProperties.isEmpty()
          ? catalog
          : catalog.withProperties(icebergCatalogProperties);
    }

    /** Reads every option once; a bad value fails here with the option's name. */
    public static Settings from(IngestOptions options) {
      String topic = options.getDeadLetterTopic();
      if (topic == null || topic.isBlank()) {
        topic = options.getInputTopic() + ".dlq";
      } else if (topic.equals("none")) {
        topic = null;
      }
      return new Settings(
          Contract.load(options.getContract()),
          Durations.parse("windowSize", options.getWindowSize()),
          Durations.parse("allowedLateness", options.getAllowedLateness()),
          Durations.parse("dedupeWindow", options.getDedupeWindow()),
          Durations.parse("maxFutureSkew", options.getMaxFutureSkew()),
          Durations.parse("maxOutOfOrderness", options.getMaxOutOfOrderness()),
          options.getMaxRecordBytes(),
          options.getMaxJsonDepth(),
          KafkaConfig.fromFileAndText(
              options.getKafkaConfigFile(), options.getKafkaConsumerConfig()),
          topic,
          Sink.parse(options.getSink()),
          options.getIcebergCatalogType().trim().toLowerCase(java.util.Locale.ROOT),
          blankToNull(options.getIcebergCatalogUri()),
          blankToNull(options.getIcebergWarehouse()),
          KafkaConfig.parse(options.getIcebergCatalogProperties()),
          options.getIcebergNamespace(),
          Durations.parse("icebergCommitInterval", options.getIcebergCommitInterval()));
    }

    private static @Nullable String blankToNull(@Nullable String text) {
      return text == null || text.isBlank() ? null : text;
    }

    /** Defaults for tests: the default contract, 1-minute windows, 5 minutes of lateness. */
    public static Settings defaults() {
      return new Settings(
          Contract.load(Contract.DEFAULT),
          Duration.standardMinutes(1),
          Duration.standardMinutes(5),
          Duration.standardMinutes(10),
          Duration.standardHours(1),
          Duration.standardSeconds(30),
          1_048_576,
          64,
          Map.of(),
          null,
          Sink.PARQUET,
          "hadoop",
          null,
          null,
          Map.of(),
          "streamy",
          Duration.standardMinutes(2));
    }
  }
}
