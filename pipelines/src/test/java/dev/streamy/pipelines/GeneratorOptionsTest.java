package dev.streamy.pipelines;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

/**
 * The generator's flags: well formed, defaults as documented, and combinable with the pipeline's.
 */
public class GeneratorOptionsTest {

  /** What {@code ./streamy demo} does: one options object for the pipeline and the generator. */
  public interface Combined extends IngestOptions, GeneratorOptions {}

  @Test
  public void defaults() {
    PipelineOptionsFactory.register(GeneratorOptions.class);
    GeneratorOptions options =
        PipelineOptionsFactory.fromArgs("--bootstrapServers=127.0.0.1:1")
            .withValidation()
            .as(GeneratorOptions.class);
    assertEquals("recentchange", options.getTopic());
    assertEquals(10_000, options.getCount());
    assertEquals(0.0, options.getRate(), 0);
    assertEquals(0.05, options.getBadShare(), 0);
    assertEquals(0.01, options.getDuplicateShare(), 0);
    assertEquals(42, options.getSeed());
    assertNull(options.getLedger());
    assertEquals(3, options.getPartitions());
    assertEquals("", options.getKafkaProducerConfig());
  }

  @Test
  public void bootstrapServersIsRequired() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            PipelineOptionsFactory.fromArgs("--count=1")
                .withValidation()
                .as(GeneratorOptions.class));
  }

  @Test
  public void combinesWithTheIngestOptions() {
    PipelineOptionsFactory.register(Combined.class);
    Combined options =
        PipelineOptionsFactory.fromArgs("--bootstrapServers=h:1", "--inputTopic=t", "--count=5")
            .as(Combined.class);
    assertEquals("h:1", options.as(GeneratorOptions.class).getBootstrapServers());
    assertEquals(5, options.getCount());
  }
}
