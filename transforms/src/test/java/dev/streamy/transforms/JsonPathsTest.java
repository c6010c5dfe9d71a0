package dev.streamy.transforms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.Test;

/** The one place JSON paths are read, walked and shown. */
public class JsonPathsTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return MAPPER.readTree(text);
  }

  @Test
  public void contractPathsAreDottedKeys() {
    assertEquals(List.of("meta", "dt"), JsonPaths.parse("meta.dt"));
    assertEquals("meta.dt", JsonPaths.dotted(List.of("meta", "dt")));
  }

  @Test
  public void atWalksObjectsOnlyAndTreatsNullAsAbsent() throws Exception {
    JsonNode event = json("{\"meta\":{\"dt\":\"x\",\"n\":null},\"list\":[{\"a\":1}]}");
    assertEquals("x", JsonPaths.at(event, List.of("meta", "dt")).asText());
    assertNull(JsonPaths.at(event, List.of("meta", "n")));
    assertNull(JsonPaths.at(event, List.of("meta", "missing")));
    assertNull(JsonPaths.at(event, List.of("list", "0", "a")));
    assertEquals(event, JsonPaths.at(event, List.of()));
  }

  @Test
  public void pointersDecodeEscapesAndWalkArraysByIndex() throws Exception {
    assertEquals(List.of(), JsonPaths.fromPointer(""));
    assertEquals(List.of("a/b", "c~d", "2"), JsonPaths.fromPointer("/a~1b/c~0d/2"));
    JsonNode event = json("{\"items\":[{\"sku\":\"s0\"},{\"sku\":null}]}");
    List<String> pointer = JsonPaths.fromPointer("/items/1/sku");
    assertEquals(true, JsonPaths.atPointer(event, pointer).isNull());
    assertEquals("items[1].sku", JsonPaths.shown(event, pointer));
    assertEquals("$", JsonPaths.shown(event, List.of()));
    // A numeric key of an object is a key, not an index.
    assertEquals("m.0", JsonPaths.shown(json("{\"m\":{\"0\":1}}"), List.of("m", "0")));
  }

  @Test
  public void shownPathsAreCapped() throws Exception {
    String longKey = "k".repeat(300);
    String shown = JsonPaths.shown(json("{}"), List.of(longKey));
    assertEquals(JsonPaths.MAX_SHOWN_CHARS, shown.length());
  }

  @Test
  public void seekStopsAtTheValueWithoutATree() throws Exception {
    JsonFactory factory = new JsonFactory();
    String text = "{\"skip\":{\"meta\":{\"dt\":1}},\"meta\":{\"id\":[1,2],\"dt\":\"T\"}}";
    try (JsonParser parser = factory.createParser(text)) {
      assertEquals(JsonToken.VALUE_STRING, JsonPaths.seek(parser, List.of("meta", "dt")));
      assertEquals("T", parser.getText());
    }
    try (JsonParser parser = factory.createParser("{\"meta\":\"flat\"}")) {
      assertNull(JsonPaths.seek(parser, List.of("meta", "dt")));
    }
    try (JsonParser parser = factory.createParser("[1]")) {
      assertNull(JsonPaths.seek(parser, List.of("meta")));
    }
  }
}
