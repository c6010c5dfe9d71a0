package dev.streamy.generator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

/** The generator's flags: well formed, defaults as documented, values out of range refused. */
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
    GenerateEvents.validate(options); // the defaults are in range
  }

  @Test
  public void bootstrapServersIsRequired() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                PipelineOptionsFactory.fromArgs("--count=1")
                    .withValidation()
                    .as(GeneratorOptions.class));
    assertThat(e.getMessage(), containsString("--bootstrapServers"));
  }

  @Test
  public void theCommandLineKeepsTheInlineProducerConfig() {
    GeneratorOptions options =
        GenerateEvents.parse(
            new String[] {
              "--bootstrapServers=h:1",
              "--kafkaProducerConfig=acks=1,sasl.jaas.config=x=y;",
              "--count=3"
            });
    assertEquals("acks=1,sasl.jaas.config=x=y;", options.getKafkaProducerConfig());
    assertEquals(3, options.getCount());
    assertEquals("h:1", options.getBootstrapServers());
    IllegalArgumentException twice =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                GenerateEvents.parse(
                    new String[] {
                      "--bootstrapServers=h:1",
                      "--kafkaProducerConfig=a=1",
                      "--kafkaProducerConfig=a=2"
                    }));
    assertEquals("--kafkaProducerConfig is given more than once", twice.getMessage());
  }

  @Test
  public void aNegativeCountIsRefused() {
    assertRefused("--count must be >= 0, got -1", "--count=-1");
  }

  @Test
  public void aNegativeOrInfiniteRateIsRefused() {
    assertRefused("--rate must be >= 0 (0: unlimited), got -2.5", "--rate=-2.5");
    assertRefused("--rate must be >= 0 (0: unlimited), got Infinity", "--rate=Infinity");
    assertRefused("--rate must be >= 0 (0: unlimited), got NaN", "--rate=NaN");
  }

  @Test
  public void sharesOutsideZeroToOneAreRefused() {
    assertRefused("--badShare must be between 0 and 1, got 1.5", "--badShare=1.5");
    assertRefused("--badShare must be between 0 and 1, got -0.1", "--badShare=-0.1");
    assertRefused("--duplicateShare must be between 0 and 1, got 2.0", "--duplicateShare=2");
    assertRefused(
        "--badShare + --duplicateShare must be at most 1, got 0.7 + 0.5",
        "--badShare=0.7",
        "--duplicateShare=0.5");
  }

  @Test
  public void fewerThanOnePartitionIsRefused() {
    assertRefused("--partitions must be >= 1, got 0", "--partitions=0");
  }

  @Test(timeout = 10_000)
  public void runRefusesBeforeContactingKafka() {
    // Nothing listens on port 1: a run that got past the check would wait a minute for Kafka.
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> GenerateEvents.run(options("--count=-5")));
    assertEquals("--count must be >= 0, got -5", e.getMessage());
  }

  private static void assertRefused(String message, String... args) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GenerateEvents.validate(options(args)));
    assertEquals(message, e.getMessage());
  }

  private static GeneratorOptions options(String... args) {
    PipelineOptionsFactory.register(GeneratorOptions.class);
    String[] all =
        Stream.concat(Stream.of("--bootstrapServers=127.0.0.1:1"), Arrays.stream(args))
            .toArray(String[]::new);
    return PipelineOptionsFactory.fromArgs(all).withValidation().as(GeneratorOptions.class);
  }
}
