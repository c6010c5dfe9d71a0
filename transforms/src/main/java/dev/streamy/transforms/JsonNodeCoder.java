package dev.streamy.transforms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;

/**
 * Encodes a Jackson {@link JsonNode} as length-prefixed UTF-8 JSON text.
 *
 * <p>Decoding reads the text back with {@link JsonParsing}'s tree reader, so a tree it produced
 * round-trips to an equal tree (the same int/long/big-integer/double/decimal node kinds). It is not
 * deterministic: equal objects may list their keys in different orders.
 */
public final class JsonNodeCoder extends CustomCoder<JsonNode> {

  private static final ObjectMapper WRITER = new ObjectMapper();
  private static final JsonParsing READER =
      JsonParsing.withLimits(Integer.MAX_VALUE, Integer.MAX_VALUE);
  private static final ByteArrayCoder BYTES = ByteArrayCoder.of();

  public static JsonNodeCoder of() {
    return new JsonNodeCoder();
  }

  @Override
  public void encode(JsonNode value, OutputStream out) throws IOException {
    if (value == null) {
      throw new CoderException("Cannot encode a null JsonNode");
    }
    BYTES.encode(WRITER.writeValueAsBytes(value), out);
  }

  @Override
  public JsonNode decode(InputStream in) throws IOException {
    JsonParsing.Outcome outcome = READER.parseAnyRoot(BYTES.decode(in));
    if (!outcome.isOk()) {
      throw new CoderException("Cannot decode a JsonNode: " + outcome.getMessage());
    }
    return outcome.getNode();
  }

  @Override
  public void verifyDeterministic() throws NonDeterministicException {
    throw new NonDeterministicException(
        this, "JSON objects that are equal may list their keys in a different order");
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof JsonNodeCoder;
  }

  @Override
  public int hashCode() {
    return JsonNodeCoder.class.hashCode();
  }
}
