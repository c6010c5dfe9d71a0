package dev.streamy.runners;

import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.Preflight;
import dev.streamy.pipelines.Settings;
import dev.streamy.templates.PipelineArgs;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.annotation.Nullable;
import org.apache.beam.sdk.options.PipelineOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code streamy ingest}: the ingest pipeline against any Kafka, here or as a Flink job. */
@Command(
    name = "ingest",
    description = {
      "Run the ingest pipeline against any Kafka: on Flink's embedded mini-cluster (the"
          + " default), on the DirectRunner in this process (--runner=direct), or with"
          + " --runner=flink as a Flink job on the local cluster (streamy flink-cluster start) or"
          + " on --flinkMaster=host:port.",
      "The broker, the input topic and the output folder are checked before anything starts.",
      "e.g. streamy ingest --bootstrapServers=host:9092 --inputTopic=recentchange --output=out"
          + " --maxRecords=1000"
    },
    footer = {
      "",
      "On Flink, the job jar also takes Beam's Flink options (--checkpointingInterval,"
          + " --parallelism, ...): streamy ingest --runner=flink"
          + " --help=org.apache.beam.runners.flink.FlinkPipelineOptions lists them."
    })
final class IngestCommand extends PipelineCommand {

  @Option(
      names = "--runner",
      paramLabel = "direct|flink",
      description =
          "Unset (default): Flink's embedded mini-cluster in a child JVM, one slot per core;"
              + " direct: the DirectRunner in this JVM; flink: a job on a Flink cluster.")
  @Nullable
  String runner;

  @Option(
      names = "--metricsPort",
      paramLabel = "<port>",
      description =
          "Serve the run's counters for Prometheus at http://localhost:<port>/metrics while it"
              + " runs: the DirectRunner's through Prometheus' Java client (0: any free port), the"
              + " embedded default's through Flink's Prometheus reporter. A Flink cluster"
              + " configures its own reporter (see the README).")
  @Nullable
  Integer metricsPort;

  /** Beam's Flink options an embedded run passes on to the job jar. */
  private static final List<String> EMBEDDED_FLINK_OPTIONS =
      List.of("--parallelism=", "--checkpointingInterval=", "--savepointPath=");

  @Override
  Class<? extends PipelineOptions> optionsClass() {
    return IngestOptions.class;
  }

  @Override
  public Integer call() throws Exception {
    if (onFlink() && help != null && !help.isEmpty()) {
      // Flink's options live in the job jar, not in this JVM: the job jar prints them.
      return FlinkSubmit.help(help);
    }
    return super.call();
  }

  @Override
  int run() throws Exception {
    if (onFlink()) {
      return FlinkSubmit.submit(args, null);
    }
    if (runner == null) {
      // Flink's own options are the job jar's to read; these are the ones that matter here.
      List<String> ours = new ArrayList<>(args);
      ours.removeIf(arg -> EMBEDDED_FLINK_OPTIONS.stream().anyMatch(arg::startsWith));
      if (!check(ours)) {
        return Streamy.USAGE;
      }
      Settings settings = Settings.from(PipelineArgs.parse(IngestOptions.class, ours));
      Preflight.checkIngest(settings);
      List<String> jobArgs = new ArrayList<>(args);
      if (metricsPort != null) {
        jobArgs.add("--metricsPort=" + metricsPort);
        System.out.println(
            "streamy: metrics for Prometheus at http://localhost:" + metricsPort + "/metrics");
      }
      return FlinkSubmit.runEmbedded(jobArgs, settings, System.out);
    }
    List<String> given = new ArrayList<>(args);
    if (runner != null) {
      given.add("--runner=" + runner);
    }
    if (!check(given)) {
      return Streamy.USAGE;
    }
    IngestOptions options = PipelineArgs.parse(IngestOptions.class, DirectRun.userDefaults(given));
    Settings settings = Settings.from(options);
    Preflight.checkIngest(settings);
    IngestRun.runWithProgress(options, settings, System.out, metricsPort);
    return Streamy.OK;
  }

  private boolean onFlink() {
    return runner != null && FlinkSubmit.isFlink(runner);
  }

  /** What a user's DirectRunner run gets unless the user says otherwise. */
  static final class DirectRun {
    private DirectRun() {}

    /**
     * {@code args} with the DirectRunner's immutability and encodability checks off unless set:
     * they cost most of its CPU and warn once per coder; tests keep them on.
     */
    static List<String> userDefaults(List<String> args) {
      List<String> out = new ArrayList<>(args);
      for (String check : List.of("enforceImmutability", "enforceEncodability")) {
        if (args.stream()
            .noneMatch(
                a ->
                    a.toLowerCase(Locale.ROOT).startsWith("--" + check.toLowerCase(Locale.ROOT)))) {
          out.add("--" + check + "=false");
        }
      }
      return out;
    }
  }
}
