package dev.streamy.runners.flink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.pipelines.BackfillPlan;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import dev.streamy.templates.PipelineArgs;
import org.apache.beam.runners.flink.FlinkDetachedRunnerResult;
import org.apache.beam.sdk.PipelineResult;

/**
 * Main class of the Flink job jar: the ingest pipeline with {@link FlinkPresets} applied. Works as
 * {@code flink run streamy-flink.jar --option=...} and as {@code java -jar streamy-flink.jar
 * --flinkMaster=host:port --option=...}; a bounded run ({@code --maxRecords}) waits for the job and
 * fails unless it finished, a streaming run returns once the job is submitted.
 */
public final class FlinkIngest {

  /**
   * System property the CLI sets on the embedded run's JVM: end when the CLI ends (its end closes
   * this JVM's standard input), and say on the way out where the next run resumes.
   */
  public static final String EXIT_WITH_PARENT = "streamy.exitWithParent";

  private FlinkIngest() {}

  /**
   * Ends this JVM when standard input closes (the CLI that started it is gone, even after a {@code
   * kill -9}), and on any stop of a streaming run names the checkpoint the next run resumes from.
   */
  private static void exitWithParent(StreamyFlinkOptions options) {
    Thread watch =
        new Thread(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // The CLI never writes; reading only waits for the end.
                }
              } catch (java.io.IOException e) {
                // Closed as well.
              }
              System.exit(STOPPED);
            },
            "streamy-exit-with-parent");
    watch.setDaemon(true);
    watch.start();
    String folder = options.getStateBackendStoragePath();
    if (Settings.isBounded(options) || folder == null || !folder.startsWith("file:")) {
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (finished) {
                    return;
                  }
                  java.nio.file.Path kept = java.nio.file.Path.of(java.net.URI.create(folder));
                  System.err.println(
                      EmbeddedCheckpoints.latest(kept)
                          .map(
                              checkpoint ->
                                  "streamy: stopped. Nothing read is lost: the next run with the"
                                      + " same --output and sink id resumes from "
                                      + checkpoint
                                      + " and writes each record once.")
                          .orElse(
                              "streamy: stopped before the first checkpoint; the next run starts"
                                  + " from the consumer group's offsets."));
                },
                "streamy-stopped"));
  }

  /** Exit code of a run stopped from outside (as a JVM ended by SIGTERM). */
  private static final int STOPPED = 143;

  private static volatile boolean finished;

  private static String counters(PipelineResult result) {
    try {
      return new ObjectMapper().writeValueAsString(IngestPipeline.counters(result));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("counters are plain numbers", e);
    }
  }

  public static void main(String[] args) {
    StreamyFlinkOptions options;
    Settings settings;
    BackfillPlan backfill;
    try {
      options = FlinkPresets.fromArgs(args);
      ClusterResume.apply(options, FlinkPresets.explicitlySet(args));
      settings = Settings.from(options);
      // Planned here, so that a range outside the log fails as one line, before Flink starts.
      backfill = settings.isBackfill() ? BackfillPlan.prepare(settings) : null;
    } catch (FlinkPresets.UnsafeFlinkSettingsException e) {
      System.err.println("streamy: " + e.getMessage()); // one line per refused setting
      System.exit(2);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("streamy: " + PipelineArgs.oneLine(e));
      System.exit(2);
      return;
    }
    // The settings hold the client secrets now; Flink, its logs and its web UI get none.
    PipelineArgs.redact(options);
    if (Boolean.getBoolean(EXIT_WITH_PARENT)) {
      exitWithParent(options);
    }
    if (backfill != null) {
      System.out.println("streamy: " + backfill.describe());
    }
    PipelineResult result = IngestPipeline.run(settings, backfill);
    // Detached either by --attachedMode=false or by `flink run -d`: the job runs on without us.
    if (!options.getAttachedMode() || result instanceof FlinkDetachedRunnerResult) {
      System.out.println(
          "streamy: job '"
              + options.getJobName()
              + "' submitted to Flink at "
              + options.getFlinkMaster()
              + "; follow it in the Flink web UI there.");
      return;
    }
    PipelineResult.State state = result.waitUntilFinish();
    finished = true;
    System.out.println("streamy: job '" + options.getJobName() + "' ended " + state);
    if (state == PipelineResult.State.DONE) {
      // For the CLI, which prints the summary of an embedded run from this line.
      System.out.println("streamy-counters " + counters(result));
    }
    if (state != PipelineResult.State.DONE) {
      System.exit(1);
    }
  }
}
