package dev.streamy.runners;

import dev.streamy.generator.GenerateEvents;
import dev.streamy.generator.GeneratorOptions;
import dev.streamy.generator.Ledger;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** Runs the real generator against a test broker and returns its ledger. */
public final class Generated {

  private Generated() {}

  /** Sends {@code count} records to {@code topic}; the ledger is written to {@code ledger}. */
  public static List<Ledger.Entry> send(
      LocalKafka kafka,
      String topic,
      int count,
      double badShare,
      double duplicateShare,
      long seed,
      Path ledger)
      throws IOException {
    GeneratorOptions generator =
        PipelineOptionsFactory.fromArgs(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--topic=" + topic,
                "--count=" + count,
                "--badShare=" + badShare,
                "--duplicateShare=" + duplicateShare,
                "--seed=" + seed,
                "--ledger=" + ledger)
            .as(GeneratorOptions.class);
    GenerateEvents.run(generator);
    return Ledger.read(ledger);
  }
}
