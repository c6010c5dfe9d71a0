package dev.streamy.templates;

import com.google.auto.value.AutoValue;
import dev.streamy.generator.GenerateEvents;
import dev.streamy.generator.GeneratorOptions;
import dev.streamy.options.KafkaConfig;
import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Preflight;
import dev.streamy.pipelines.Settings;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A template: a pipeline whose parameters are the getters declared in its options interface, with
 * what must hold before it starts and how it is started.
 */
@AutoValue
public abstract class Template {

  /** The templates streamy ships, in the order {@code list} shows them. */
  public static final List<Template> ALL =
      List.of(
          builder()
              .setName("kafka-to-lakehouse")
              .setDescription(
                  "Reads JSON events from a Kafka topic, parses and validates them against a data"
                      + " contract, deduplicates, windows and aggregates them, and writes events,"
                      + " aggregates and dead letters as Parquet files and/or Iceberg tables; dead"
                      + " letters also go to a Kafka topic. Streams until stopped, reads"
                      + " maxRecords records and finishes, or backfills a range of offsets or"
                      + " times, adding only what the output does not hold.")
              .setOptionsClass(IngestOptions.class)
              .setStreaming(true)
              .setRunsOnFlink(true)
              .setCheck(options -> Settings.from((IngestOptions) options))
              .setLaunch(
                  options -> {
                    Settings settings = Settings.from((IngestOptions) options);
                    Preflight.checkIngest(settings);
                    // The settings hold the client secrets now; the runner gets the options
                    // without.
                    PipelineArgs.redact(options);
                    PipelineResult result = IngestPipeline.run(settings);
                    result.waitUntilFinish();
                    return Counters.summary(result);
                  })
              .build(),
          builder()
              .setName("generator")
              .setDescription(
                  "Produces realistic mediawiki recentchange events, with a share of bad records"
                      + " and duplicates, to a Kafka topic (created when missing), and optionally a"
                      + " ledger of what each record must become. Sends count records, then"
                      + " finishes.")
              .setOptionsClass(GeneratorOptions.class)
              .setStreaming(false)
              .setRunsOnFlink(false)
              .setCheck(options -> {})
              .setLaunch(
                  options -> {
                    GeneratorOptions generator = (GeneratorOptions) options;
                    Preflight.checkBroker(
                        generator.getBootstrapServers(),
                        KafkaConfig.fromFileAndText(
                            generator.getKafkaConfigFile(), generator.getKafkaProducerConfig()));
                    return "sent " + GenerateEvents.run(generator).sent() + " records";
                  })
              .build());

  public abstract String name();

  public abstract String description();

  public abstract Class<? extends PipelineOptions> optionsClass();

  public abstract boolean streaming();

  /** Whether the Flink job jar runs it ({@code template run --runner=flink}). */
  public abstract boolean runsOnFlink();

  /** Throws {@link IllegalArgumentException} on options that parse but cannot run. */
  public abstract Check check();

  /** Starts the pipeline and returns once it has finished. */
  public abstract Launch launch();

  static Builder builder() {
    return new AutoValue_Template.Builder();
  }

  /** Builds a {@link Template}; every property is required. */
  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setName(String name);

    abstract Builder setDescription(String description);

    abstract Builder setOptionsClass(Class<? extends PipelineOptions> optionsClass);

    abstract Builder setStreaming(boolean streaming);

    abstract Builder setRunsOnFlink(boolean runsOnFlink);

    abstract Builder setCheck(Check check);

    abstract Builder setLaunch(Launch launch);

    abstract Template build();
  }

  /** The template called {@code name}. */
  public static Optional<Template> named(String name) {
    return ALL.stream().filter(template -> template.name().equals(name)).findFirst();
  }

  /** The parameters, in their stable order. */
  public List<Parameter> parameters() {
    return TemplateMetadata.parameters(optionsClass());
  }

  /** What must hold before the template starts, beyond each parameter's own rules. */
  @FunctionalInterface
  public interface Check {
    void check(PipelineOptions options);
  }

  /** Runs the template to its end and returns a one-line summary. */
  @FunctionalInterface
  public interface Launch {
    String run(PipelineOptions options) throws Exception;
  }
}
