package dev.streamy.runners;

import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** The end-to-end test on the DirectRunner, the runner of the launcher and the demo. */
public class DirectRunnerEndToEndTest extends IngestEndToEnd {

  @Override
  protected PipelineResult runIngest(String... args) {
    PipelineOptionsFactory.register(IngestOptions.class);
    IngestOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(IngestOptions.class);
    return IngestPipeline.run(Settings.from(options));
  }
}
