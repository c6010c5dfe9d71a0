package dev.streamy.transforms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class JsonNodeCoderTest {

  private static JsonNode parse(String json) {
    return JsonParsing.withLimits(1 << 20, 64)
        .parse(json.getBytes(StandardCharsets.UTF_8))
        .getNode();
  }

  @Test
  public void roundTripsTreesToEqualTrees() throws Exception {
    JsonNode node =
        parse(
            "{\"s\":\"héllo 😀\",\"i\":7,\"l\":9000000000,\"b\":123456789012345678901234,"
                + "\"d\":-0.5,\"e\":1e-7,\"huge\":1e400,\"t\":true,\"n\":null,"
                + "\"a\":[1,{\"x\":[]}],\"o\":{\"k\":\"\\u0000\\n\"}}");
    CoderProperties.coderDecodeEncodeEqual(JsonNodeCoder.of(), node);
    JsonNode back = CoderUtils.clone(JsonNodeCoder.of(), node);
    assertTrue(back.get("i").isInt());
    assertTrue(back.get("l").isLong());
    assertTrue(back.get("b").isBigInteger());
    assertTrue(back.get("d").isDouble());
    assertTrue(back.get("huge").isBigDecimal());
  }

  @Test
  public void isUsableNestedInAKv() throws Exception {
    Coder<KV<String, JsonNode>> kv = KvCoder.of(StringUtf8Coder.of(), JsonNodeCoder.of());
    CoderProperties.coderDecodeEncodeEqual(kv, KV.of("k", parse("{\"a\":[1,2,3]}")));
  }

  @Test
  public void isNotDeterministic() {
    assertThrows(Coder.NonDeterministicException.class, JsonNodeCoder.of()::verifyDeterministic);
  }

  @Test
  public void isSerializableAndEqualToItself() {
    CoderProperties.coderSerializable(JsonNodeCoder.of());
    assertEquals(JsonNodeCoder.of(), JsonNodeCoder.of());
  }
}
