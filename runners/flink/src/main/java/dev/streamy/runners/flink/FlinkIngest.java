package dev.streamy.runners.flink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
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

  private FlinkIngest() {}

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
    try {
      options = FlinkPresets.fromArgs(args);
      settings = Settings.from(options);
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
    PipelineResult result = IngestPipeline.run(settings);
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
