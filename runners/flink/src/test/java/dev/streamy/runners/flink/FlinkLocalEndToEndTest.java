package dev.streamy.runners.flink;

import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import dev.streamy.runners.IngestEndToEnd;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;

/**
 * The end-to-end test on the FlinkRunner in this JVM ({@code --flinkMaster=[local]}), with the
 * options read through {@link FlinkPresets} as the Flink job jar reads them. Bounded by {@code
 * --maxRecords}, so Flink runs it in batch mode; the run is attached, so it returns when done.
 */
public class FlinkLocalEndToEndTest extends IngestEndToEnd {

  @Override
  protected PipelineResult runIngest(String... args) {
    String[] flink =
        Stream.concat(
                Stream.of(args),
                Stream.of("--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=2"))
            .toArray(String[]::new);
    return IngestPipeline.run(Settings.from(FlinkPresets.fromArgs(flink)));
  }
}
