package dev.streamy.runners.flink;

import dev.streamy.pipelines.IngestOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** The ingest options plus Beam's Flink options, as the Flink job jar takes them. */
public interface StreamyFlinkOptions extends IngestOptions, FlinkPipelineOptions {

  @Description(
      "Run even when the Flink settings could lose or duplicate data (e.g. streaming with"
          + " checkpointing off). Without it such settings are refused at start.")
  @Default.Boolean(false)
  boolean getAllowUnsafeFlinkSettings();

  void setAllowUnsafeFlinkSettings(boolean value);

  @Description(
      "A streaming job submitted to a cluster without --savepointPath resumes from the last"
          + " checkpoint of the most recent ended job of the same --jobName in the cluster's"
          + " history (a job cancelled, failed or stopped), so a cancel and a resubmission lose"
          + " nothing. false: start from the consumer group's offsets.")
  @Default.Boolean(true)
  boolean getResumePreviousJob();

  void setResumePreviousJob(boolean value);

  @Description(
      "Flink's embedded mini-cluster (--flinkMaster=[local]): serve its metrics, streamy's counters"
          + " among them, for Prometheus at http://localhost:<port>/metrics (Flink's Prometheus"
          + " reporter). 0: off. A cluster configures its reporter itself (the local cluster"
          + " serves 9249 and up).")
  @Default.Integer(0)
  int getMetricsPort();

  void setMetricsPort(int value);
}
