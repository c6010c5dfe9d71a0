package dev.streamy.runners;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamy.generator.GenerateEvents;
import dev.streamy.generator.GeneratorOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Preflight;
import dev.streamy.pipelines.Settings;
import dev.streamy.pipelines.Sink;
import dev.streamy.templates.PipelineArgs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import picocli.CommandLine.Command;

/** {@code streamy demo}: a local broker, the generator and the ingest pipeline, with a summary. */
@Command(
    name = "demo",
    description = {
      "Start a real local Kafka broker, generate events (with bad records and duplicates), ingest"
          + " them on the DirectRunner until all are read, stop the broker and print a summary.",
      "Writes Parquet and Iceberg (--sink=both) unless told otherwise, then the report"
          + " (report.html, as streamy report writes it); first deletes the events, aggregates,"
          + " dead-letters, warehouse, ledger.ndjson, run-summary.json and report.html an earlier"
          + " demo left in --output, nothing else.",
      "e.g. streamy demo --count=10000 --output=streamy-output"
    })
final class DemoCommand extends PipelineCommand {

  /** Where the demo writes when no {@code --output} is given. */
  static final String DEMO_OUTPUT = "streamy-output";

  @Override
  Class<? extends PipelineOptions> optionsClass() {
    return DemoOptions.class;
  }

  @Override
  Set<String> filledIn() {
    return Set.of("bootstrapServers", "inputTopic", "output");
  }

  @Override
  int run() throws Exception {
    if (!check(args)) {
      return Streamy.USAGE;
    }
    DemoOptions options =
        PipelineArgs.parse(DemoOptions.class, IngestCommand.DirectRun.userDefaults(args), false);
    Path output =
        Path.of(options.getOutput() == null ? DEMO_OUTPUT : options.getOutput()).toAbsolutePath();
    Preflight.checkOutput(output.toString());
    String topic = options.getInputTopic() == null ? "recentchange" : options.getInputTopic();
    if (args.stream().noneMatch(a -> a.startsWith("--sink="))) {
      options.setSink(Sink.BOTH); // the demo shows both outputs unless told otherwise
    }
    options.setInputTopic(topic);
    options.setOutput(output.toString());
    // A bad option fails now, before a broker starts; the broker's address is the demo's own, set
    // below once it runs, so a stand-in takes its place for this check.
    options.setBootstrapServers("127.0.0.1:9092");
    Settings.from(options);
    clearEarlierDemoOutput(output);
    Files.createDirectories(output);
    System.out.println("streamy demo: starting a local Kafka broker...");
    try (LocalKafka kafka = LocalKafka.start()) {
      System.out.println("streamy demo: broker ready at " + kafka.bootstrapServers());
      options.setBootstrapServers(kafka.bootstrapServers());
      options.setTopic(topic);
      if (options.getLedger() == null) {
        options.setLedger(output.resolve("ledger.ndjson").toString());
      }
      // The generator creates the input topic (with room for its oversized records).
      kafka.createTopic(topic + ".dlq", 1);
      GenerateEvents.run(options.as(GeneratorOptions.class));
      options.setMaxRecords(options.getCount());
      long started = System.nanoTime();
      PipelineResult result =
          IngestRun.runWithProgress(options, Settings.from(options), System.out);
      writeRunSummary(output, IngestPipeline.counters(result), (System.nanoTime() - started) / 1e9);
      System.out.println("ledger of what was sent: " + options.getLedger());
    }
    System.out.println("streamy demo: broker stopped.");
    Path report = ReportCommand.write(output, output.resolve("report.html"));
    System.out.println("streamy demo: report at " + report);
    return Streamy.OK;
  }

  /**
   * The run's counters and seconds beside its outputs, for {@code streamy report}: duplicates are
   * dropped, not written, and the outputs do not say how long the run took.
   */
  private static void writeRunSummary(Path output, Map<String, Long> counters, double seconds)
      throws IOException {
    ObjectNode summary = JsonNodeFactory.instance.objectNode();
    summary.put("runner", "DirectRunner");
    summary.put("seconds", seconds);
    ObjectNode values = summary.putObject("counters");
    new TreeMap<>(counters).forEach(values::put);
    new ObjectMapper()
        .writerWithDefaultPrettyPrinter()
        .writeValue(output.resolve(RunFigures.RUN_SUMMARY).toFile(), summary);
  }

  /** Removes what an earlier demo wrote, and only that: never a folder of something else. */
  private static void clearEarlierDemoOutput(Path output) throws IOException {
    for (String part :
        List.of(
            "events",
            "aggregates",
            "dead-letters",
            "warehouse",
            "ledger.ndjson",
            RunFigures.RUN_SUMMARY,
            "report.html")) {
      Path path = output.resolve(part);
      if (Files.exists(path)) {
        try (Stream<Path> all = Files.walk(path)) {
          for (Path p : all.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
            Files.delete(p);
          }
        }
      }
    }
  }
}
