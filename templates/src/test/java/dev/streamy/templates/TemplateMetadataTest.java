package dev.streamy.templates;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.options.KafkaOptions;
import dev.streamy.pipelines.IngestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.Test;

/** Metadata is read from the options interfaces in the Flex template format, the same each time. */
public class TemplateMetadataTest {

  private static final Template INGEST = Template.named("kafka-to-lakehouse").orElseThrow();

  private static Map<String, JsonNode> parameters(Template template) throws Exception {
    Map<String, JsonNode> byName = new TreeMap<>();
    JsonNode root = new ObjectMapper().readTree(TemplateMetadata.json(template));
    for (JsonNode parameter : root.path("parameters")) {
      byName.put(parameter.path("name").asText(), parameter);
    }
    return byName;
  }

  @Test
  public void parametersAreTheGettersTheInterfaceDeclares() throws Exception {
    Map<String, JsonNode> parameters = parameters(INGEST);
    assertEquals( // get + set, of IngestOptions and of the KafkaOptions it extends
        (IngestOptions.class.getDeclaredMethods().length
                + KafkaOptions.class.getDeclaredMethods().length)
            / 2,
        parameters.size());
    assertThat(parameters.keySet(), hasItem("bootstrapServers"));
    assertThat(parameters.keySet(), hasItem("icebergCommitInterval"));
    assertThat(parameters.keySet(), not(hasItem("runner")));
    assertThat(parameters.keySet(), not(hasItem("jobName")));
  }

  @Test
  public void eachFieldComesFromTheAnnotations() throws Exception {
    Map<String, JsonNode> parameters = parameters(INGEST);
    JsonNode servers = parameters.get("bootstrapServers");
    assertEquals("Bootstrap servers", servers.path("label").asText());
    assertEquals(
        "Kafka bootstrap servers, host:port[,host:port...].", servers.path("helpText").asText());
    assertFalse(servers.path("isOptional").asBoolean());
    assertFalse(servers.has("defaultValue"));
    assertEquals("Kafka", servers.path("groupName").asText());

    JsonNode maxRecords = parameters.get("maxRecords");
    assertEquals("NUMBER", maxRecords.path("paramType").asText());
    assertEquals(TemplateMetadata.INTEGER, maxRecords.path("regexes").get(0).asText());
    assertEquals("0", maxRecords.path("defaultValue").asText());
    assertTrue(maxRecords.path("isOptional").asBoolean());

    JsonNode sink = parameters.get("sink");
    assertEquals("ENUM", sink.path("paramType").asText());
    assertEquals("parquet", sink.path("defaultValue").asText());
    List<String> values = new ArrayList<>();
    sink.path("enumOptions").forEach(option -> values.add(option.path("value").asText()));
    assertEquals(List.of("parquet", "iceberg", "both"), values);

    assertEquals("KAFKA_READ_TOPIC", parameters.get("inputTopic").path("paramType").asText());
    assertEquals("Maximum JSON depth", parameters.get("maxJsonDepth").path("label").asText());
    assertEquals("1048576", parameters.get("maxRecordBytes").path("defaultValue").asText());
    assertTrue(parameters.get("deadLetterTopic").path("isOptional").asBoolean());
  }

  @Test
  public void derivedLabelsAndTypes() throws Exception {
    assertEquals("Bootstrap servers", TemplateMetadata.label("bootstrapServers"));
    assertEquals("Count", TemplateMetadata.label("count"));
    Map<String, JsonNode> generator = parameters(Template.named("generator").orElseThrow());
    assertEquals("NUMBER", generator.get("rate").path("paramType").asText());
    assertEquals("0.0", generator.get("rate").path("defaultValue").asText());
    assertEquals("KAFKA_WRITE_TOPIC", generator.get("topic").path("paramType").asText());
  }

  @Test
  public void outputIsStableSortedAndEndsWithANewline() throws Exception {
    String json = TemplateMetadata.json(INGEST);
    assertEquals(json, TemplateMetadata.json(INGEST));
    assertTrue(json.endsWith("}\n"));
    assertTrue(json.contains("\n  \"name\": \"kafka-to-lakehouse\",\n"));
    List<String> names = new ArrayList<>();
    new ObjectMapper()
        .readTree(json)
        .path("parameters")
        .forEach(parameter -> names.add(parameter.path("name").asText()));
    assertEquals(List.of("bootstrapServers", "inputTopic", "consumerGroup"), names.subList(0, 3));
    assertEquals("endTime", names.get(names.size() - 1));
  }
}
