package dev.streamy.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A secret given inline and through {@code --kafkaConfigFile} (as {@code ${env:...}}) reaches no
 * log at DEBUG, the most talkative level, in a real bounded ingest and a real generate against a
 * real broker. The secrets are SSL passwords, which a PLAINTEXT broker leaves unused.
 */
public class SecretsNotLoggedTest {

  private static final String TOPIC = "recentchange";
  private static final Map<String, String> DEBUG =
      Map.of("STREAMY_JAVA_OPTS", "-Dorg.slf4j.simpleLogger.defaultLogLevel=debug");

  @ClassRule public static final TemporaryFolder TEMP = new TemporaryFolder();

  private static LocalKafka kafka;
  private static Path configFile;

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = LocalKafka.start();
    kafka.createTopic(TOPIC, 1);
    configFile = TEMP.getRoot().toPath().resolve("client.properties");
    Files.writeString(
        configFile, "ssl.truststore.password=${env:STREAMY_TEST_SECRET}\nclient.rack=rack-1\n");
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  public void aGenerateAndAnIngestAtDebugLogNoSecret() throws Exception {
    String inlineProducer = secret();
    String inlineConsumer = secret();
    String inFile = secret();
    Map<String, String> environment = new java.util.HashMap<>(DEBUG);
    environment.put("STREAMY_TEST_SECRET", inFile);

    StreamyCli.Result generate =
        StreamyCli.run(
            TEMP.getRoot().toPath(),
            environment,
            "generate",
            "--bootstrapServers=" + kafka.bootstrapServers(),
            "--topic=" + TOPIC,
            "--count=40",
            "--kafkaConfigFile=" + configFile,
            "--kafkaProducerConfig=ssl.key.password=" + inlineProducer + ",linger.ms=1");
    assertEquals(generate.output(), 0, generate.exitCode());
    assertThat(generate.output(), containsString("generate: sent 40 records"));

    StreamyCli.Result ingest =
        StreamyCli.run(
            TEMP.getRoot().toPath(),
            environment,
            "ingest",
            "--runner=direct",
            "--bootstrapServers=" + kafka.bootstrapServers(),
            "--inputTopic=" + TOPIC,
            "--output=" + TEMP.getRoot().toPath().resolve("out"),
            "--maxRecords=40",
            "--kafkaConfigFile=" + configFile,
            "--kafkaConsumerConfig=ssl.key.password=" + inlineConsumer + ",client.rack=rack-2");
    assertEquals(ingest.output(), 0, ingest.exitCode());
    assertThat(ingest.output(), containsString("records read        40"));

    for (StreamyCli.Result run : new StreamyCli.Result[] {generate, ingest}) {
      // DEBUG was on, and Beam logged the arguments it was given: redacted.
      assertThat(run.output(), containsString("Provided Arguments"));
      assertThat(run.output(), containsString("ssl.key.password=<redacted>"));
      for (String secret : new String[] {inlineProducer, inlineConsumer, inFile}) {
        assertThat(run.output(), not(containsString(secret)));
      }
    }
  }

  private static String secret() {
    return "s3cr3t-" + UUID.randomUUID();
  }
}
