package dev.streamy.runners;

import static org.junit.Assert.assertEquals;

import dev.streamy.generator.GeneratorOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

/** What {@code ./streamy demo} does: one options object for the pipeline and the generator. */
public class DemoOptionsTest {

  @Test
  public void combinesTheIngestAndGeneratorOptions() {
    PipelineOptionsFactory.register(DemoOptions.class);
    DemoOptions options =
        PipelineOptionsFactory.fromArgs("--bootstrapServers=h:1", "--inputTopic=t", "--count=5")
            .as(DemoOptions.class);
    assertEquals("h:1", options.as(GeneratorOptions.class).getBootstrapServers());
    assertEquals("h:1", options.getBootstrapServers());
    assertEquals(5, options.getCount());
  }
}
