package dev.streamy.generator;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

/** The generator's flags: well formed, defaults as documented. */
public class GeneratorOptionsTest {

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
}
