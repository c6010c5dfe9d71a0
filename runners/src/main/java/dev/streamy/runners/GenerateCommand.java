package dev.streamy.runners;

import dev.streamy.generator.GenerateEvents;
import dev.streamy.generator.GeneratorOptions;
import dev.streamy.options.KafkaConfig;
import dev.streamy.pipelines.Preflight;
import dev.streamy.templates.PipelineArgs;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;

/** {@code streamy generate}: realistic and bad recentchange events to any Kafka, with a ledger. */
@Command(
    name = "generate",
    description = {
      "Produce realistic recentchange events, a share of them bad, to any Kafka topic (created"
          + " when missing), and a ledger of what each record must become.",
      "e.g. streamy generate --bootstrapServers=host:9092 --count=10000 --ledger=ledger.ndjson"
    })
final class GenerateCommand extends PipelineCommand {

  @Override
  Class<? extends PipelineOptions> optionsClass() {
    return GeneratorOptions.class;
  }

  @Override
  int run() throws Exception {
    if (!check(args)) {
      return Streamy.USAGE;
    }
    GeneratorOptions options = PipelineArgs.parse(GeneratorOptions.class, args);
    Preflight.checkBroker(
        options.getBootstrapServers(),
        KafkaConfig.fromFileAndText(
            options.getKafkaConfigFile(), options.getKafkaProducerConfig()));
    try {
      GenerateEvents.run(options);
      return Streamy.OK;
    } catch (IllegalStateException | KafkaException e) {
      // Kafka refused records: what was acknowledged is in the ledger; one line says so.
      System.err.println("streamy: " + Streamy.oneLine(e));
      return Streamy.FAILED;
    }
  }
}
