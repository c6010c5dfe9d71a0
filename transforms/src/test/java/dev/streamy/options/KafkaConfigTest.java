package dev.streamy.options;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class KafkaConfigTest {

  private static final String JAAS =
      "org.apache.kafka.common.security.plain.PlainLoginModule required"
          + " username=\"svc\" password=\"p=ss;word\";";

  @Test
  public void parsesEntriesSplittingOnTheFirstEquals() {
    Map<String, String> config =
        KafkaConfig.parse(
            "security.protocol=SASL_SSL, sasl.mechanism=PLAIN,sasl.jaas.config=" + JAAS + ",");
    assertEquals(
        List.of("security.protocol", "sasl.mechanism", "sasl.jaas.config"),
        List.copyOf(config.keySet()));
    assertEquals("SASL_SSL", config.get("security.protocol"));
    assertEquals("PLAIN", config.get("sasl.mechanism"));
    assertEquals(JAAS, config.get("sasl.jaas.config"));
  }

  @Test
  public void backslashEscapesCommaAndBackslashOnly() {
    Map<String, String> config = KafkaConfig.parse("a=x\\,y,b=C:\\dir\\\\,c=\\n,d=end\\\\\\,more");
    assertEquals("x,y", config.get("a"));
    assertEquals("C:\\dir\\", config.get("b"));
    assertEquals("\\n", config.get("c"));
    assertEquals("end\\,more", config.get("d"));
    assertEquals(4, config.size());
  }

  @Test
  public void emptyInputGivesEmptyConfig() {
    assertTrue(KafkaConfig.parse(null).isEmpty());
    assertTrue(KafkaConfig.parse("  ").isEmpty());
    assertTrue(KafkaConfig.parse(",,").isEmpty());
    assertEquals(Map.of("k", ""), KafkaConfig.parse("k="));
  }

  @Test
  public void rejectsMalformedEntriesWithoutEchoingValues() {
    IllegalArgumentException noEquals =
        assertThrows(IllegalArgumentException.class, () -> KafkaConfig.parse("a=1,hunter2"));
    assertFalse(noEquals.getMessage().contains("hunter2"));
    assertTrue(noEquals.getMessage().contains("#2"));
    assertThrows(IllegalArgumentException.class, () -> KafkaConfig.parse("=value"));
    IllegalArgumentException twice =
        assertThrows(IllegalArgumentException.class, () -> KafkaConfig.parse("a=1,a=2"));
    assertTrue(twice.getMessage().contains("a"));
  }

  @Test
  public void detectsSecretKeys() {
    for (String key :
        List.of(
            "sasl.jaas.config",
            "ssl.key.password",
            "ssl.keystore.password",
            "ssl.keystore.key",
            "ssl.truststore.password",
            "sasl.oauthbearer.client.credentials.client.secret",
            "basic.auth.user.info",
            "schema.registry.basic.auth.user.info",
            "sasl.login.token",
            "SASL.JAAS.CONFIG",
            "api.key",
            "private.key")) {
      assertTrue(key, KafkaConfig.isSecret(key));
    }
    for (String key :
        List.of(
            "security.protocol",
            "sasl.mechanism",
            "group.id",
            "auto.offset.reset",
            "ssl.truststore.location",
            "max.poll.records",
            "client.id")) {
      assertFalse(key, KafkaConfig.isSecret(key));
    }
  }

  @Test
  public void splitsAndRedacts() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("security.protocol", "SASL_SSL");
    config.put("sasl.jaas.config", JAAS);
    config.put("ssl.key.password", "k3y");
    assertEquals(Map.of("security.protocol", "SASL_SSL"), KafkaConfig.publicPart(config));
    assertEquals(
        Map.of("sasl.jaas.config", JAAS, "ssl.key.password", "k3y"),
        KafkaConfig.secretPart(config));
    Map<String, String> redacted = KafkaConfig.redacted(config);
    assertEquals("SASL_SSL", redacted.get("security.protocol"));
    assertEquals(KafkaConfig.REDACTED, redacted.get("sasl.jaas.config"));
    assertEquals(KafkaConfig.REDACTED, redacted.get("ssl.key.password"));
    assertFalse(redacted.toString().contains("p=ss"));
    assertFalse(redacted.toString().contains("k3y"));
  }

  @Test
  public void secretsAreLaidOverTheClientConfig() {
    Map<String, Object> merged =
        KafkaConfig.withSecrets(
            Map.of("bootstrap.servers", "b:1", "sasl.jaas.config", "stale"),
            Map.of("sasl.jaas.config", JAAS));
    assertEquals(JAAS, merged.get("sasl.jaas.config"));
    assertEquals("b:1", merged.get("bootstrap.servers"));
  }

  @Test
  public void loadsAPropertiesFileWithEnvironmentReferences() throws java.io.IOException {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("client", ".properties");
    java.nio.file.Files.writeString(
        file,
        "# Kafka's own client.properties format\n"
            + "security.protocol=SASL_SSL\n"
            + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
            + " username=\"app\" password=\"${env:STREAMY_TEST_PASSWORD}\";\n");
    Map<String, String> config =
        KafkaConfig.load(file.toString(), Map.of("STREAMY_TEST_PASSWORD", "s3cr3t"));
    assertEquals("SASL_SSL", config.get("security.protocol"));
    assertTrue(config.get("sasl.jaas.config").endsWith("password=\"s3cr3t\";"));

    IllegalArgumentException unset =
        assertThrows(
            IllegalArgumentException.class, () -> KafkaConfig.load(file.toString(), Map.of()));
    assertEquals(
        "Kafka client setting sasl.jaas.config refers to ${env:STREAMY_TEST_PASSWORD}, which is not"
            + " set",
        unset.getMessage());
    java.nio.file.Files.delete(file);
  }

  @Test
  public void inlineSettingsWinOverTheFile() throws java.io.IOException {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("client", ".properties");
    java.nio.file.Files.writeString(file, "client.id=from-file\nsecurity.protocol=SSL\n");
    assertEquals(
        Map.of("client.id", "inline", "security.protocol", "SSL"),
        KafkaConfig.fromFileAndText(file.toString(), "client.id=inline"));
    java.nio.file.Files.delete(file);
    assertThrows(
        IllegalArgumentException.class, () -> KafkaConfig.fromFileAndText(file.toString(), ""));
  }
}
