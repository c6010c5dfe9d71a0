package dev.streamy.benchmarks;

import dev.streamy.pipelines.Durations;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import javax.annotation.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The yardstick: streamy's whole job (read N Kafka records, parse, validate, deduplicate, window,
 * aggregate, write typed Parquet and dead letters) written by hand on one thread with plain
 * libraries. Only the per-record rules are streamy's ({@code JsonParsing}, {@code EventRules},
 * {@code Contract.toRow}), so both do the same checks; {@link BaselineRun} does the rest.
 *
 * <p>Prints one line {@code BASELINE {json}} at the end (see {@link BaselineRun.Summary}).
 */
@Command(
    name = "baseline",
    mixinStandardHelpOptions = true,
    description = {
      "streamy's ingest job by hand on one thread: a KafkaConsumer reads exactly --maxRecords"
          + " records, streamy's rules parse and validate them, events are deduplicated, windowed"
          + " and aggregated, and events, aggregates and dead letters are written as Parquet under"
          + " --output (dead letters also to --deadLetterTopic).",
      "The defaults are the ingest pipeline's."
    })
public final class Baseline implements Callable<Integer> {

  @Option(names = "--bootstrapServers", required = true, description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(names = "--inputTopic", required = true, description = "Topic to read.")
  String inputTopic;

  @Option(names = "--output", required = true, description = "Output folder.")
  Path output;

  @Option(
      names = "--maxRecords",
      required = true,
      description = "Records to read, then finish (as the pipeline's bounded run).")
  long maxRecords;

  @Option(
      names = "--deadLetterTopic",
      description = "DLQ topic (default <inputTopic>.dlq); 'none' for files only.")
  @Nullable
  String deadLetterTopic;

  @Option(
      names = "--contract",
      defaultValue = dev.streamy.transforms.Contract.DEFAULT,
      description = "Bundled contract name or *.contract.json path (default: ${DEFAULT-VALUE}).")
  String contract;

  @Option(
      names = "--maxRecordBytes",
      defaultValue = "" + BaselineConfig.DEFAULT_MAX_RECORD_BYTES,
      description = "Larger values are TOO_LARGE (default: ${DEFAULT-VALUE}).")
  int maxRecordBytes;

  @Option(
      names = "--maxJsonDepth",
      defaultValue = "" + BaselineConfig.DEFAULT_MAX_JSON_DEPTH,
      description = "Deeper JSON is TOO_DEEP (default: ${DEFAULT-VALUE}).")
  int maxJsonDepth;

  @Option(
      names = "--maxFutureSkew",
      defaultValue = BaselineConfig.DEFAULT_MAX_FUTURE_SKEW,
      description = "Event times further ahead are TS_FUTURE (default: ${DEFAULT-VALUE}).")
  String maxFutureSkew;

  @Option(
      names = "--windowSize",
      defaultValue = BaselineConfig.DEFAULT_WINDOW_SIZE,
      description = "Event-time window size (default: ${DEFAULT-VALUE}).")
  String windowSize;

  @Option(
      names = "--readTimeout",
      defaultValue = "5m",
      description = "Give up when no record arrives for this long (default: ${DEFAULT-VALUE}).")
  String readTimeout;

  public static void main(String[] args) {
    // Kafka's clients log every config at INFO; the summary line is what callers read.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(new CommandLine(new Baseline()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    BaselineConfig config;
    try {
      config =
          BaselineConfig.builder()
              .setBootstrapServers(bootstrapServers)
              .setInputTopic(inputTopic)
              .setOutput(output)
              .setMaxRecords(maxRecords)
              .setDeadLetterTopic(
                  deadLetterTopic == null
                      ? inputTopic + ".dlq"
                      : deadLetterTopic.equals("none") ? null : deadLetterTopic)
              .setContract(contract)
              .setMaxRecordBytes(maxRecordBytes)
              .setMaxJsonDepth(maxJsonDepth)
              .setMaxFutureSkew(Durations.parse("maxFutureSkew", maxFutureSkew))
              .setWindowSize(Durations.parse("windowSize", windowSize))
              .setReadTimeout(Durations.parse("readTimeout", readTimeout))
              .build();
    } catch (IllegalArgumentException e) {
      System.err.println("baseline: " + e.getMessage());
      return 2;
    }
    BaselineRun.Summary summary = BaselineRun.run(config);
    System.out.println(BaselineRun.SUMMARY_PREFIX + summary.toJson());
    return 0;
  }
}
