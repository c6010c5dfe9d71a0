package dev.streamy.pipelines;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.streamy.transforms.testing.Displayed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Secrets given in the Kafka client and Iceberg catalog settings files reach the clients, and no
 * display data (which runners log and show) nor any text form of the settings.
 */
public class IngestSecretsTest {

  private static final String JAAS_PASSWORD = "kafka-pa55word";
  private static final String TOKEN = "catalog-t0ken";
  private static final String S3_SECRET = "s3-s3cret-key";

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void secretsInTheSettingsFilesAreShownNowhere() throws Exception {
    Path kafka = temp.newFile("client.properties").toPath();
    Files.writeString(
        kafka,
        "security.protocol=SASL_SSL\n"
            + "sasl.mechanism=PLAIN\n"
            + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
            + " username=\"app\" password=\""
            + JAAS_PASSWORD
            + "\";\n");
    Path catalog = temp.newFile("catalog.properties").toPath();
    Files.writeString(
        catalog, "token=" + TOKEN + "\ns3.secret-access-key=" + S3_SECRET + "\nclient.region=eu\n");
    String output = temp.newFolder("out").toString();
    IngestOptions options =
        PipelineOptionsFactory.fromArgs(
                "--bootstrapServers=127.0.0.1:9",
                "--inputTopic=recentchange",
                "--output=" + output,
                "--sink=both",
                "--kafkaConfigFile=" + kafka,
                "--icebergCatalogConfigFile=" + catalog)
            .withValidation()
            .as(IngestOptions.class);
    Settings settings = Settings.from(options);
    assertTrue(settings.getKafkaConfig().get("sasl.jaas.config").contains(JAAS_PASSWORD));
    assertEquals(TOKEN, settings.getIcebergCatalog().catalogProperties().get("token"));

    Pipeline pipeline = IngestPipeline.build(settings);
    List<String> shown = new ArrayList<>(Displayed.everywhere(pipeline));
    shown.addAll(Displayed.values(DisplayData.from(pipeline.getOptions())));
    shown.add(settings.toString());
    shown.add(settings.getIcebergCatalog().toString());
    for (String secret : List.of(JAAS_PASSWORD, TOKEN, S3_SECRET)) {
      for (String text : shown) {
        assertFalse(text + " shows a secret", text.contains(secret));
      }
    }
  }
}
