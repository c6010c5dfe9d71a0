package dev.streamy.benchmarks;

import com.google.auto.value.AutoValue;
import java.nio.file.Path;
import javax.annotation.Nullable;
import org.joda.time.Duration;

/** What one baseline run reads, checks against and writes: every option as a typed value. */
@AutoValue
public abstract class BaselineConfig {

  /** The defaults of the ingest pipeline's options ({@code IngestOptions}), for the same checks. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 1_048_576;

  public static final int DEFAULT_MAX_JSON_DEPTH = 64;
  public static final String DEFAULT_MAX_FUTURE_SKEW = "1h";
  public static final String DEFAULT_WINDOW_SIZE = "1m";

  /** {@link #DEFAULT_WINDOW_SIZE}, as the windows of every streamy run the harness checks. */
  public static final Duration DEFAULT_WINDOW = Duration.standardMinutes(1);

  public abstract String bootstrapServers();

  public abstract String inputTopic();

  /** Records to read, spread over the partitions as the pipeline's bounded read spreads them. */
  public abstract long maxRecords();

  /** The folder that gets {@code events/}, {@code aggregates/} and {@code dead-letters/}. */
  public abstract Path output();

  /** The DLQ topic; null writes dead letters to the Parquet files only. */
  public abstract @Nullable String deadLetterTopic();

  /** A bundled contract name or the path of a {@code *.contract.json}. */
  public abstract String contract();

  public abstract int maxRecordBytes();

  public abstract int maxJsonDepth();

  public abstract Duration maxFutureSkew();

  public abstract Duration windowSize();

  /** How long to wait for records that are not (yet) in the topic before giving up. */
  public abstract Duration readTimeout();

  /** The ingest pipeline's defaults; the broker, topic, count and output must be set. */
  public static Builder builder() {
    return new AutoValue_BaselineConfig.Builder()
        .setDeadLetterTopic(null)
        .setContract(dev.streamy.transforms.Contract.DEFAULT)
        .setMaxRecordBytes(DEFAULT_MAX_RECORD_BYTES)
        .setMaxJsonDepth(DEFAULT_MAX_JSON_DEPTH)
        .setMaxFutureSkew(Duration.standardHours(1))
        .setWindowSize(DEFAULT_WINDOW)
        .setReadTimeout(Duration.standardMinutes(5));
  }

  /** Builds a {@link BaselineConfig}. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setBootstrapServers(String bootstrapServers);

    public abstract Builder setInputTopic(String inputTopic);

    public abstract Builder setMaxRecords(long maxRecords);

    public abstract Builder setOutput(Path output);

    public abstract Builder setDeadLetterTopic(@Nullable String deadLetterTopic);

    public abstract Builder setContract(String contract);

    public abstract Builder setMaxRecordBytes(int maxRecordBytes);

    public abstract Builder setMaxJsonDepth(int maxJsonDepth);

    public abstract Builder setMaxFutureSkew(Duration maxFutureSkew);

    public abstract Builder setWindowSize(Duration windowSize);

    public abstract Builder setReadTimeout(Duration readTimeout);

    abstract BaselineConfig autoBuild();

    /**
     * The config.
     *
     * @throws IllegalArgumentException naming the option that is out of range
     */
    public BaselineConfig build() {
      BaselineConfig config = autoBuild();
      if (config.maxRecords() < 1) {
        throw new IllegalArgumentException("--maxRecords must be a positive count");
      }
      if (config.maxRecordBytes() < 1 || config.maxJsonDepth() < 1) {
        throw new IllegalArgumentException("--maxRecordBytes and --maxJsonDepth must be positive");
      }
      if (!config.windowSize().isLongerThan(Duration.ZERO)) {
        throw new IllegalArgumentException("--windowSize must be positive");
      }
      return config;
    }
  }
}
