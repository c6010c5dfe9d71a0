package dev.streamy.benchmarks;

import static org.junit.Assert.assertEquals;

import dev.streamy.pipelines.Durations;
import dev.streamy.pipelines.IngestOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

/** The baseline checks with the ingest pipeline's own defaults, so that both do the same work. */
public class BaselineConfigTest {

  @Test
  public void defaultsAreTheIngestPipelines() {
    IngestOptions ingest = PipelineOptionsFactory.create().as(IngestOptions.class);
    BaselineConfig.Builder builder = BaselineConfig.builder();
    BaselineConfig baseline =
        builder
            .setBootstrapServers("localhost:9092")
            .setInputTopic("t")
            .setMaxRecords(1)
            .setOutput(java.nio.file.Path.of("out"))
            .build();
    assertEquals(ingest.getMaxRecordBytes(), baseline.maxRecordBytes());
    assertEquals(ingest.getMaxJsonDepth(), baseline.maxJsonDepth());
    assertEquals(
        Durations.parse("maxFutureSkew", ingest.getMaxFutureSkew()), baseline.maxFutureSkew());
    assertEquals(Durations.parse("windowSize", ingest.getWindowSize()), baseline.windowSize());
    assertEquals(
        Durations.parse("maxFutureSkew", BaselineConfig.DEFAULT_MAX_FUTURE_SKEW),
        baseline.maxFutureSkew());
    assertEquals(
        Durations.parse("windowSize", BaselineConfig.DEFAULT_WINDOW_SIZE), baseline.windowSize());
    assertEquals(ingest.getContract(), baseline.contract());
  }
}
