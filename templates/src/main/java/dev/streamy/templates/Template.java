package dev.streamy.templates;

import dev.streamy.generator.GenerateEvents;
import dev.streamy.generator.GeneratorOptions;
import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A template: a pipeline whose parameters are the getters declared in its options interface, with
 * what must hold before it starts and how it is started.
 *
 * @param check throws {@link IllegalArgumentException} on options that parse but cannot run
 * @param launch starts the pipeline and returns once it has finished
 */
public record Template(
    String name,
    String description,
    Class<? extends PipelineOptions> optionsClass,
    boolean streaming,
    Check check,
    Launch launch) {

  /** The templates streamy ships, in the order {@code list} shows them. */
  public static final List<Template> ALL =
      List.of(
          new Template(
              "kafka-to-lakehouse",
              "Reads JSON events from a Kafka topic, parses and validates them against a data"
                  + " contract, deduplicates, windows and aggregates them, and writes events,"
                  + " aggregates and dead letters as Parquet files and/or Iceberg tables; dead"
                  + " letters also go to a Kafka topic. Streams until stopped, or reads maxRecords"
                  + " records and finishes.",
              IngestOptions.class,
              true,
              options -> Settings.from((IngestOptions) options),
              options -> {
                PipelineResult result = IngestPipeline.run(Settings.from((IngestOptions) options));
                result.waitUntilFinish();
                return Counters.summary(result);
              }),
          new Template(
              "generator",
              "Produces realistic mediawiki recentchange events, with a share of bad records and"
                  + " duplicates, to a Kafka topic (created when missing), and optionally a ledger"
                  + " of what each record must become. Sends count records, then finishes.",
              GeneratorOptions.class,
              false,
              options -> {},
              options ->
                  "sent " + GenerateEvents.run((GeneratorOptions) options).sent() + " records"));

  /** The template called {@code name}. */
  public static Optional<Template> named(String name) {
    return ALL.stream().filter(template -> template.name.equals(name)).findFirst();
  }

  /** The parameters, in their stable order. */
  public List<Parameter> parameters() {
    return TemplateMetadata.parameters(optionsClass);
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
