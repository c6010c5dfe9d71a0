package dev.streamy.generator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * What the generator's command prints and logs, at DEBUG, holds no secret from its Kafka settings:
 * neither Beam's argument log nor Kafka's config dump nor the one-line error. Each case runs the
 * real {@code main} in its own JVM, since the log level is fixed when logging starts.
 */
public class GenerateEventsLogTest {

  private static final String INLINE_SECRET = "inline-s3cr3t-0451";
  private static final String FILE_SECRET = "file-s3cr3t-7734";

  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void anInlineSecretIsNotInBeamsArgumentLog() throws Exception {
    String output =
        runMain(
            "--bootstrapServers=127.0.0.1:1",
            "--count=-1",
            "--kafkaProducerConfig=security.protocol=SASL_PLAINTEXT,sasl.mechanism=PLAIN,"
                + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule"
                + " required username=\"u\" password=\""
                + INLINE_SECRET
                + "\";");
    assertThat("DEBUG is on", output, containsString("Provided Arguments"));
    assertThat(output, containsString("generate: --count must be >= 0, got -1"));
    assertThat(output, not(containsString(INLINE_SECRET)));
  }

  @Test
  public void secretsAreNotInKafkasConfigLogNorInTheError() throws Exception {
    Path config = tmp.getRoot().toPath().resolve("client.properties");
    // The JAAS entry lacks its closing semicolon: the admin client fails as it starts, after
    // logging its config, with no network needed.
    Files.writeString(
        config,
        "security.protocol=SASL_PLAINTEXT\n"
            + "sasl.mechanism=PLAIN\n"
            + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
            + " username=\"u\" password=\""
            + FILE_SECRET
            + "\"\n");
    String output =
        runMain(
            "--bootstrapServers=127.0.0.1:1",
            "--count=1",
            "--kafkaConfigFile=" + config,
            "--kafkaProducerConfig=ssl.key.password=" + INLINE_SECRET);
    assertThat("Kafka logged its config", output, containsString("sasl.jaas.config = [hidden]"));
    assertThat(output, containsString("generate: Failed to create new KafkaAdminClient"));
    assertThat(output, not(containsString(FILE_SECRET)));
    assertThat(output, not(containsString(INLINE_SECRET)));
  }

  /** Runs the generator's main at DEBUG in a new JVM; its output, which must end in exit 1. */
  private String runMain(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=debug");
    command.add(GenerateEvents.class.getName());
    command.addAll(List.of(args));
    Path log = tmp.newFile().toPath();
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the generator did not exit within 60 s");
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(output, 1, process.exitValue());
    return output;
  }
}
