package dev.streamy.templates;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.streamy.generator.GeneratorOptions;
import dev.streamy.pipelines.IngestOptions;
import java.util.List;
import org.junit.Test;

/** Options read without a secret reaching Beam, and Beam's messages reworded as one line. */
public class PipelineArgsTest {

  private static final String JAAS =
      "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\""
          + " password=\"p\\,w\";";

  @Test
  public void secretEntriesOfClientSettingsAreRedactedAndTheRestKept() {
    assertEquals(
        List.of(
            "--kafkaConsumerConfig=security.protocol=SASL_SSL,sasl.jaas.config=<redacted>",
            "--icebergCatalogProperties=s3.endpoint=http://m:9000,s3.secret-access-key=<redacted>",
            "--inputTopic=t"),
        PipelineArgs.redacted(
            List.of(
                "--kafkaConsumerConfig=security.protocol=SASL_SSL,sasl.jaas.config=" + JAAS,
                "--icebergCatalogProperties=s3.endpoint=http://m:9000,s3.secret-access-key=k",
                "--inputTopic=t")));
    // A malformed one is reported when the settings are read; a secret may hide in it meanwhile.
    assertEquals(
        List.of("--kafkaConsumerConfig=<redacted>"),
        PipelineArgs.redacted(List.of("--kafkaConsumerConfig=a=1,broken,password=x")));
  }

  @Test
  public void anOptionNamedLikeASecretIsRedactedWhole() {
    assertEquals(
        List.of("--schemaRegistryPassword=<redacted>"),
        PipelineArgs.redacted(List.of("--schemaRegistryPassword=hunter2")));
  }

  @Test
  public void theOptionsHoldTheRealValuesUntilRedacted() {
    String given = "security.protocol=SASL_SSL,sasl.jaas.config=" + JAAS;
    IngestOptions options =
        PipelineArgs.parse(
            IngestOptions.class,
            List.of(
                "--bootstrapServers=b:1",
                "--inputTopic=t",
                "--output=/tmp/o",
                "--kafkaConsumerConfig=" + given));
    assertEquals(given, options.getKafkaConsumerConfig());
    PipelineArgs.redact(options);
    assertEquals(
        "security.protocol=SASL_SSL,sasl.jaas.config=<redacted>", options.getKafkaConsumerConfig());
  }

  @Test
  public void aSecretOfAnotherInterfaceIsSetThroughIt() {
    GeneratorOptions options =
        PipelineArgs.parse(
            GeneratorOptions.class,
            List.of("--bootstrapServers=b:1", "--kafkaProducerConfig=ssl.key.password=x\\,y"));
    assertEquals("ssl.key.password=x\\,y", options.getKafkaProducerConfig());
  }

  @Test
  public void beamsMessagesBecomeOneLineNamingTheOption() {
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () -> PipelineArgs.parse(IngestOptions.class, List.of("--windowSise=1m")));
    assertEquals(
        "unknown option --windowSise: did you mean --windowSize?", PipelineArgs.oneLine(unknown));
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                PipelineArgs.parse(
                    IngestOptions.class, List.of("--bootstrapServers=b:1", "--output=/tmp/out")));
    assertEquals(
        "missing required option --inputTopic: Kafka topic to read events from.",
        PipelineArgs.oneLine(missing));
  }

  @Test
  public void knownOptionsAreStreamysAndBeamsRegisteredOnes() {
    var names = PipelineArgs.knownOptionNames(IngestOptions.class);
    for (String name : List.of("inputTopic", "bootstrapServers", "runner", "enforceImmutability")) {
      assertEquals(name, true, names.contains(name));
    }
  }
}
