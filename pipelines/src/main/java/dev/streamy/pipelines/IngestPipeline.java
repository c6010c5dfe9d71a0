package dev.streamy.pipelines;

import dev.streamy.io.KafkaConfig;
import dev.streamy.io.ReadKafkaRecords;
import dev.streamy.io.WriteDeadLetters;
import dev.streamy.io.WriteParquet;
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
import org.apache.beam.sdk.options.PipelineOptionsFactory;
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
    run(options).waitUntilFinish();
  }

  /** Builds the pipeline from {@code options} and starts it on the runner they name. */
  public static PipelineResult run(IngestOptions options) {
    Settings settings = Settings.from(options);
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

  private static void write(Outputs outputs, Settings settings, IngestOptions options) {
    String output = options.getOutput().replaceAll("/+$", "");
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
    WriteDeadLetters deadLetters =
        WriteDeadLetters.stampedAs(NAME, VERSION)
            .toFiles(output + "/dead-letters", options.getNumShards());
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
        @Nullable String deadLetterTopic) {
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
          KafkaConfig.parse(options.getKafkaConsumerConfig()),
          topic);
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
          null);
    }
  }
}
