package dev.streamy.pipelines;

import com.google.auto.value.AutoValue;
import dev.streamy.io.IcebergCatalogSettings;
import dev.streamy.io.KafkaPosition;
import dev.streamy.io.WriteIceberg;
import dev.streamy.io.WriteParquet;
import dev.streamy.options.KafkaConfig;
import dev.streamy.options.KeyValueConfig;
import dev.streamy.options.TemplateParameter;
import dev.streamy.transforms.Contract;
import dev.streamy.transforms.ErrorBudget;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import javax.annotation.Nullable;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;

/**
 * Every ingest option as a typed value, read and checked once ({@link #from}); the pipeline and
 * every step it builds see only this. A user error fails here, as one line naming the option and
 * what is allowed.
 */
@AutoValue
public abstract class Settings implements Serializable {

  /** What messages call the Iceberg catalog's settings. */
  private static final String CATALOG = "Iceberg catalog";

  /** Reads every option once; a bad value fails here with the option's name. */
  public static Settings from(IngestOptions options) {
    String inputTopic = topic("inputTopic", options.getInputTopic());
    String output = required("output", options.getOutput()).replaceAll("/+$", "");
    Sink sink = options.getSink();
    return builder()
        .setPipelineOptions(options)
        .setBootstrapServers(required("bootstrapServers", options.getBootstrapServers()))
        .setInputTopic(inputTopic)
        .setConsumerGroup(required("consumerGroup", options.getConsumerGroup()))
        .setMaxRecords(
            atLeast(
                "maxRecords",
                options.getMaxRecords(),
                0,
                "must be 0 (stream forever) or a positive count"))
        .setBackfillStart(
            position(
                "startOffsets", options.getStartOffsets(), "startTime", options.getStartTime()))
        .setBackfillEnd(
            position("endOffsets", options.getEndOffsets(), "endTime", options.getEndTime()))
        .setOutput(output)
        .setTargetFileBytes(
            atLeast(
                    "targetFileSizeMb",
                    options.getTargetFileSizeMb(),
                    1,
                    "must be a positive number of megabytes")
                * 1024
                * 1024)
        .setContract(
            option("contract", options.getContract(), () -> Contract.load(options.getContract())))
        .setWindowSize(positive("windowSize", options.getWindowSize()))
        .setAllowedLateness(Durations.parse("allowedLateness", options.getAllowedLateness()))
        .setDedupeWindow(Durations.parse("dedupeWindow", options.getDedupeWindow()))
        .setMaxFutureSkew(Durations.parse("maxFutureSkew", options.getMaxFutureSkew()))
        .setMaxOutOfOrderness(Durations.parse("maxOutOfOrderness", options.getMaxOutOfOrderness()))
        .setMaxRecordBytes(
            (int)
                atLeast(
                    "maxRecordBytes",
                    options.getMaxRecordBytes(),
                    1,
                    "must be a positive number of bytes"))
        .setMaxJsonDepth(
            (int)
                atLeast(
                    "maxJsonDepth",
                    options.getMaxJsonDepth(),
                    1,
                    "must be a positive number of nesting levels"))
        .setErrorBudget(errorBudget(options))
        .setKafkaConfig(
            merged(
                option(
                    "kafkaConfigFile",
                    options.getKafkaConfigFile(),
                    () -> KafkaConfig.load(options.getKafkaConfigFile())),
                option(
                    "kafkaConsumerConfig",
                    () -> KafkaConfig.parse(options.getKafkaConsumerConfig()))))
        .setDeadLetterTopic(deadLetterTopic(options.getDeadLetterTopic(), inputTopic))
        .setDeadLetterTopicPartitions(
            (int)
                atLeast(
                    "deadLetterTopicPartitions",
                    options.getDeadLetterTopicPartitions(),
                    1,
                    "must be a positive number of partitions"))
        .setInputTopicPartitions(
            (int)
                atLeast(
                    "inputTopicPartitions",
                    options.getInputTopicPartitions(),
                    0,
                    "must be 0 (do not create) or a number of partitions"))
        .setTopicReplication(
            (int)
                atLeast(
                    "topicReplication",
                    options.getTopicReplication(),
                    0,
                    "must be 0 (the broker's default) or a replication factor"))
        .setSink(sink)
        .setIcebergCatalog(sink.writesIceberg() ? icebergCatalog(options, output) : null)
        .setIcebergNamespace(
            option(
                "icebergNamespace",
                options.getIcebergNamespace(),
                () -> WriteIceberg.checkName("namespace", options.getIcebergNamespace())))
        .setIcebergCommitInterval(
            positive("icebergCommitInterval", options.getIcebergCommitInterval()))
        .setSinkId(
            option(
                "sinkId",
                options.getSinkId(),
                () ->
                    WriteIceberg.checkSinkId(
                        blankToNull(options.getSinkId()) != null
                            ? options.getSinkId()
                            : options.getConsumerGroup())))
        .build();
  }

  /**
   * Whether {@code options} ask for a bounded run: {@code --maxRecords}, or a backfill (any of
   * {@code --startOffsets}, {@code --startTime}, {@code --endOffsets}, {@code --endTime}). For
   * runner presets, which look at the options before {@link #from} reads them.
   */
  public static boolean isBounded(IngestOptions options) {
    return options.getMaxRecords() > 0
        || blankToNull(options.getStartOffsets()) != null
        || blankToNull(options.getStartTime()) != null
        || blankToNull(options.getEndOffsets()) != null
        || blankToNull(options.getEndTime()) != null;
  }

  /** The option defaults, for tests: the default contract, 1-minute windows, Parquet only. */
  public static Settings defaults() {
    return builder()
        .setPipelineOptions(PipelineOptionsFactory.create())
        .setBootstrapServers("localhost:9092")
        .setInputTopic("recentchange")
        .setConsumerGroup("streamy-ingest")
        .setMaxRecords(0)
        .setBackfillStart(null)
        .setBackfillEnd(null)
        .setOutput("streamy-output")
        .setTargetFileBytes(WriteParquet.DEFAULT_TARGET_FILE_BYTES)
        .setContract(Contract.load(Contract.DEFAULT))
        .setWindowSize(Duration.standardMinutes(1))
        .setAllowedLateness(Duration.standardMinutes(5))
        .setDedupeWindow(Duration.standardMinutes(10))
        .setMaxFutureSkew(Duration.standardHours(1))
        .setMaxOutOfOrderness(Duration.standardSeconds(30))
        .setMaxRecordBytes(1_048_576)
        .setMaxJsonDepth(64)
        .setErrorBudget(ErrorBudget.OFF)
        .setKafkaConfig(Map.of())
        .setDeadLetterTopic(null)
        .setDeadLetterTopicPartitions(1)
        .setInputTopicPartitions(0)
        .setTopicReplication(0)
        .setSink(Sink.PARQUET)
        .setIcebergCatalog(null)
        .setIcebergNamespace("streamy")
        .setIcebergCommitInterval(Duration.standardMinutes(2))
        .setSinkId("streamy-ingest")
        .build();
  }

  public static Builder builder() {
    return new AutoValue_Settings.Builder().setErrorBudget(ErrorBudget.OFF);
  }

  public abstract Builder toBuilder();

  /** The runner's options, for {@code Pipeline.create} only. */
  public PipelineOptions getPipelineOptions() {
    return getRunnerOptions().get();
  }

  abstract SerializablePipelineOptions getRunnerOptions();

  public abstract String getBootstrapServers();

  public abstract String getInputTopic();

  /** The Kafka consumer group; null reads without one (nothing committed). */
  public abstract @Nullable String getConsumerGroup();

  /** Records to read before finishing; 0 streams forever. */
  public abstract long getMaxRecords();

  /** Where a backfill starts ({@code --startOffsets} or {@code --startTime}); null: log start. */
  public abstract @Nullable KafkaPosition getBackfillStart();

  /** Where a backfill ends, exclusive; null: the log end offset when it starts. */
  public abstract @Nullable KafkaPosition getBackfillEnd();

  /** Whether this run is a backfill: bounded over exactly a range of offsets. */
  public boolean isBackfill() {
    return getBackfillStart() != null || getBackfillEnd() != null;
  }

  /** The output folder, without trailing slashes. */
  public abstract String getOutput();

  /** Size a Parquet file grows to before the next one of its window and pane starts. */
  public abstract long getTargetFileBytes();

  public abstract Contract getContract();

  public abstract Duration getWindowSize();

  public abstract Duration getAllowedLateness();

  public abstract Duration getDedupeWindow();

  public abstract Duration getMaxFutureSkew();

  public abstract Duration getMaxOutOfOrderness();

  public abstract int getMaxRecordBytes();

  public abstract int getMaxJsonDepth();

  /** When dead letters stop the pipeline; {@link ErrorBudget#OFF} by default. */
  public abstract ErrorBudget getErrorBudget();

  /** The Kafka client settings of the consumer and DLQ producer, secrets included. */
  public abstract Map<String, String> getKafkaConfig();

  /** The DLQ topic; null writes dead letters to the files or tables only. */
  public abstract @Nullable String getDeadLetterTopic();

  /** Partitions of the DLQ topic when the preflight creates it. */
  public abstract int getDeadLetterTopicPartitions();

  /** Partitions of the input topic when the preflight creates it; 0: it must exist. */
  public abstract int getInputTopicPartitions();

  /** Replication factor of the topics the preflight creates; 0: the broker's default. */
  public abstract int getTopicReplication();

  public abstract Sink getSink();

  /** The Iceberg catalog, properties and secrets included; null when the sink writes no tables. */
  public abstract @Nullable IcebergCatalogSettings getIcebergCatalog();

  public abstract String getIcebergNamespace();

  public abstract Duration getIcebergCommitInterval();

  /** The sink id the Iceberg committers record (by default the consumer group). */
  public abstract String getSinkId();

  /** The main choices, secrets redacted: what may be logged. */
  @Override
  public String toString() {
    return "Settings{"
        + getInputTopic()
        + " at "
        + getBootstrapServers()
        + " -> "
        + getSink().text()
        + " "
        + getOutput()
        + (isBackfill()
            ? ", backfill from "
                + (getBackfillStart() == null ? "the log start" : getBackfillStart())
                + " to "
                + (getBackfillEnd() == null ? "the log end" : getBackfillEnd())
            : "")
        + ", contract "
        + getContract().id()
        + ", kafkaConfig "
        + KafkaConfig.redacted(getKafkaConfig())
        + (getIcebergCatalog() == null ? "" : ", " + getIcebergCatalog())
        + "}";
  }

  /** Builds {@link Settings}; {@link #from} is the way from options, this is for tests. */
  @AutoValue.Builder
  public abstract static class Builder {

    public Builder setPipelineOptions(PipelineOptions options) {
      return setRunnerOptions(new SerializablePipelineOptions(options));
    }

    abstract Builder setRunnerOptions(SerializablePipelineOptions options);

    public abstract Builder setBootstrapServers(String bootstrapServers);

    public abstract Builder setInputTopic(String inputTopic);

    public abstract Builder setConsumerGroup(@Nullable String consumerGroup);

    public abstract Builder setMaxRecords(long maxRecords);

    public abstract Builder setBackfillStart(@Nullable KafkaPosition start);

    public abstract Builder setBackfillEnd(@Nullable KafkaPosition end);

    public abstract Builder setOutput(String output);

    public abstract Builder setTargetFileBytes(long targetFileBytes);

    public abstract Builder setContract(Contract contract);

    public abstract Builder setWindowSize(Duration windowSize);

    public abstract Builder setAllowedLateness(Duration allowedLateness);

    public abstract Builder setDedupeWindow(Duration dedupeWindow);

    public abstract Builder setMaxFutureSkew(Duration maxFutureSkew);

    public abstract Builder setMaxOutOfOrderness(Duration maxOutOfOrderness);

    public abstract Builder setMaxRecordBytes(int maxRecordBytes);

    public abstract Builder setMaxJsonDepth(int maxJsonDepth);

    public abstract Builder setErrorBudget(ErrorBudget errorBudget);

    public abstract Builder setKafkaConfig(Map<String, String> kafkaConfig);

    public abstract Builder setDeadLetterTopic(@Nullable String deadLetterTopic);

    public abstract Builder setDeadLetterTopicPartitions(int partitions);

    public abstract Builder setInputTopicPartitions(int partitions);

    public abstract Builder setTopicReplication(int replication);

    public abstract Builder setSink(Sink sink);

    public abstract Builder setIcebergCatalog(@Nullable IcebergCatalogSettings catalog);

    public abstract Builder setIcebergNamespace(String namespace);

    public abstract Builder setIcebergCommitInterval(Duration interval);

    public abstract Builder setSinkId(String sinkId);

    abstract Settings autoBuild();

    /** Builds, refusing a backfill that is also asked to stop after a count of records. */
    public Settings build() {
      Settings settings = autoBuild();
      if (settings.isBackfill() && settings.getMaxRecords() > 0) {
        throw new IllegalArgumentException(
            "--maxRecords="
                + settings.getMaxRecords()
                + ": a backfill (--startOffsets, --startTime, --endOffsets, --endTime) reads"
                + " exactly its range; drop --maxRecords");
      }
      return settings;
    }
  }

  /**
   * The Iceberg catalog {@code options} name, read as {@link #from} reads it: REST at its URI, or
   * Hadoop with its warehouse (by default {@code <output>/warehouse}), with the properties of
   * {@code --icebergCatalogConfigFile} and {@code --icebergCatalogProperties}. For commands that
   * read the tables without running the pipeline ({@code streamy inspect}).
   */
  public static IcebergCatalogSettings icebergCatalog(
      IngestOptions options, @Nullable String output) {
    Map<String, String> properties =
        merged(
            option(
                "icebergCatalogConfigFile",
                options.getIcebergCatalogConfigFile(),
                () -> KeyValueConfig.load(CATALOG, options.getIcebergCatalogConfigFile())),
            option(
                "icebergCatalogProperties",
                () -> KeyValueConfig.parse(CATALOG, options.getIcebergCatalogProperties())));
    return catalog(
        options.getIcebergCatalogType(),
        blankToNull(options.getIcebergCatalogUri()),
        blankToNull(options.getIcebergWarehouse()),
        output,
        properties);
  }

  /** REST at its URI, or Hadoop with its warehouse under the output, with extra properties. */
  private static IcebergCatalogSettings catalog(
      IcebergCatalogSettings.Type type,
      @Nullable String uri,
      @Nullable String warehouse,
      @Nullable String output,
      Map<String, String> properties) {
    if (type == IcebergCatalogSettings.Type.REST && uri == null) {
      throw new IllegalArgumentException("--icebergCatalogType=rest needs --icebergCatalogUri");
    }
    if (type == IcebergCatalogSettings.Type.HADOOP && warehouse == null && output == null) {
      throw new IllegalArgumentException(
          "--icebergCatalogType=hadoop needs --icebergWarehouse or --output");
    }
    IcebergCatalogSettings catalog =
        type == IcebergCatalogSettings.Type.REST
            ? IcebergCatalogSettings.rest(uri, warehouse)
            : IcebergCatalogSettings.hadoop(warehouse != null ? warehouse : output + "/warehouse");
    return option("icebergCatalogProperties", () -> catalog.withProperties(properties));
  }

  /**
   * A backfill's start or end: {@code offsetsOption} or {@code timeOption}, not both; null when
   * neither is given.
   */
  private static @Nullable KafkaPosition position(
      String offsetsOption, @Nullable String offsets, String timeOption, @Nullable String time) {
    boolean hasOffsets = blankToNull(offsets) != null;
    boolean hasTime = blankToNull(time) != null;
    if (hasOffsets && hasTime) {
      throw new IllegalArgumentException(
          "--"
              + offsetsOption
              + " and --"
              + timeOption
              + " exclude each other: give offsets or a time, not both");
    }
    if (hasOffsets) {
      return KafkaPosition.parseOffsets("--" + offsetsOption, offsets);
    }
    return hasTime ? KafkaPosition.parseTime("--" + timeOption, time) : null;
  }

  /** The three error-budget options as one budget; each error names its option. */
  private static ErrorBudget errorBudget(IngestOptions options) {
    double ratio = options.getMaxDeadLetterRatio();
    if (!(ratio >= 0 && ratio <= 1)) {
      throw new IllegalArgumentException(
          "--maxDeadLetterRatio="
              + ratio
              + ": must be a share of the records from 0 to 1 (1, the default, is off)");
    }
    Duration window = positive("errorBudgetWindow", options.getErrorBudgetWindow());
    long minRecords =
        atLeast(
            "errorBudgetMinRecords",
            options.getErrorBudgetMinRecords(),
            1,
            "must be a positive number of records");
    return option(
        "errorBudgetWindow",
        options.getErrorBudgetWindow(),
        () -> ErrorBudget.of(ratio, window, minRecords));
  }

  private static @Nullable String deadLetterTopic(@Nullable String topic, String inputTopic) {
    if (topic == null || topic.isBlank()) {
      return inputTopic + ".dlq";
    }
    return topic.equals("none") ? null : topic("deadLetterTopic", topic);
  }

  private static String required(String option, @Nullable String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("--" + option + ": required");
    }
    return value;
  }

  private static String topic(String option, @Nullable String topic) {
    if (!required(option, topic).matches(TemplateParameter.KAFKA_TOPIC)) {
      throw new IllegalArgumentException(
          "--"
              + option
              + "="
              + topic
              + ": a Kafka topic name is 1 to 249 letters, digits, '.', '_' or '-'");
    }
    return topic;
  }

  private static long atLeast(String option, long value, long least, String rule) {
    if (value < least) {
      throw new IllegalArgumentException("--" + option + "=" + value + ": " + rule);
    }
    return value;
  }

  private static Duration positive(String option, String text) {
    Duration duration = Durations.parse(option, text);
    if (!duration.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("--" + option + "=" + text + ": must be longer than 0");
    }
    return duration;
  }

  /** Reads one option, prefixing its errors with {@code --option=value: }. */
  private static <T> T option(String option, @Nullable String value, Supplier<T> read) {
    try {
      return read.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--" + option + "=" + value + ": " + e.getMessage(), e);
    }
  }

  /** As above for an option whose value may hold secrets: its errors name it, never its value. */
  private static <T> T option(String option, Supplier<T> read) {
    try {
      return read.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--" + option + ": " + e.getMessage(), e);
    }
  }

  /** {@code file}'s settings with {@code inline} laid over them. */
  private static Map<String, String> merged(Map<String, String> file, Map<String, String> inline) {
    Map<String, String> merged = new LinkedHashMap<>(file);
    merged.putAll(inline);
    return Map.copyOf(merged);
  }

  private static @Nullable String blankToNull(@Nullable String text) {
    return text == null || text.isBlank() ? null : text;
  }
}
