package dev.streamy.runners.flink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.pipelines.BackfillPlan;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import dev.streamy.templates.PipelineArgs;
import dev.streamy.transforms.ErrorBudgetExceededException;
import org.apache.beam.runners.flink.FlinkDetachedRunnerResult;
import org.apache.beam.sdk.PipelineResult;
import org.apache.flink.runtime.execution.SuppressRestartsException;

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

  /** Exit code of a run stopped by its error budget, as the CLI's ({@code Streamy}). */
  public static final int BUDGET_EXCEEDED = 3;

  /**
   * Flink's marker for a failure no restart can cure: the job fails at once, whatever the restart
   * strategy. Beam's Flink runner passes a DoFn's exception on as the cause of its own, and Flink
   * looks for this type through the causes.
   */
  private static RuntimeException withoutRestarts(ErrorBudgetExceededException blown) {
    return new SuppressRestartsException(blown);
  }

  /**
   * Ends this JVM with {@link #BUDGET_EXCEEDED} and the budget's one line, no stack trace, when
   * {@code failure} is a blown error budget. A streaming run's shutdown hook then says which
   * checkpoint the next run resumes from.
   */
  private static void exitIfBudgetExceeded(RuntimeException failure) {
    ErrorBudgetExceededException.messageIn(failure)
        .ifPresent(
            message -> {
              System.err.println("streamy: " + message);
              System.exit(BUDGET_EXCEEDED);
            });
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
    // A blown error budget must end the job: a plain exception would make Flink restart it from
    // the last checkpoint and replay the flood, and blow the budget again, without end (tried on
    // the embedded default: 8 task failures in 75 s, the job never ended).
    settings =
        settings.toBuilder()
            .setErrorBudget(settings.getErrorBudget().thrownAs(FlinkIngest::withoutRestarts))
            .build();
    PipelineResult result;
    try {
      result = IngestPipeline.run(settings, backfill);
    } catch (RuntimeException e) {
      exitIfBudgetExceeded(e);
      throw e;
    }
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
    PipelineResult.State state;
    try {
      state = result.waitUntilFinish();
    } catch (RuntimeException e) {
      exitIfBudgetExceeded(e);
      throw e;
    }
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
