package dev.streamy.transforms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamy.transforms.testing.RealEvents;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Random;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link EventRules} skips the JSON Schema validator for events its quick check finds surely valid;
 * every verdict must be the one the validator alone gives, on the real events and on many broken
 * copies of them.
 */
@RunWith(JUnit4.class)
public class QuickSchemaTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final String[] FIELDS = {
    "$schema",
    "meta",
    "meta.id",
    "meta.dt",
    "meta.stream",
    "meta.domain",
    "meta.uri",
    "id",
    "type",
    "namespace",
    "title",
    "timestamp",
    "user",
    "bot",
    "minor",
    "patrolled",
    "length",
    "length.old",
    "length.new",
    "revision.new",
    "log_id",
    "log_type",
    "log_action",
    "log_params",
    "parsedcomment",
    "wiki",
    "unknown_x",
    "meta.unknown",
    "length.extra"
  };
  private static final String[] TIMES = {
    "2023-07-29T07:51:39.123456789Z",
    "2023-07-29T07:51Z",
    "2023-07-29t07:51:39z",
    "2023-07-29T07:51:39-00:00",
    "2023-07-29T07:51:39+17:59",
    "2023-07-29T07:51:39+0200",
    "2016-12-31T23:59:60Z",
    "2024-02-29T07:51:39Z",
    "2023-02-29T07:51:39Z",
    "1583-01-01T00:00:00Z"
  };

  @Test
  public void theDefaultContractHasAQuickCheck() {
    assertTrue(new EventRules(Contract.load(Contract.DEFAULT), Duration.ZERO).hasQuickSchema());
  }

  @Test
  public void verdictsAreTheValidatorsOnRealAndBrokenEvents() throws Exception {
    EventRules rules = new EventRules(Contract.load(Contract.DEFAULT), Duration.standardMinutes(5));
    Random random = new Random(3);
    for (byte[] line : RealEvents.lines()) {
      JsonNode event = MAPPER.readTree(line);
      assertSame(rules, event);
      for (int m = 0; m < 4; m++) {
        ObjectNode copy = event.deepCopy();
        mutate(copy, random);
        assertSame(rules, copy);
      }
    }
  }

  private static void assertSame(EventRules rules, JsonNode event) {
    assertEquals(event.toString(), rules.checkWithValidator(event, NOW), rules.check(event, NOW));
  }

  private static void mutate(ObjectNode event, Random random) {
    String[] path = FIELDS[random.nextInt(FIELDS.length)].split("\\.");
    ObjectNode parent = event;
    for (int i = 0; i < path.length - 1; i++) {
      JsonNode next = parent.get(path[i]);
      parent = next instanceof ObjectNode ? (ObjectNode) next : parent.putObject(path[i]);
    }
    String key = path[path.length - 1];
    switch (random.nextInt(14)) {
      case 0:
        parent.remove(key);
        break;
      case 1:
        parent.putNull(key);
        break;
      case 2:
        parent.put(key, "x");
        break;
      case 3:
        parent.put(key, 7);
        break;
      case 4:
        parent.put(key, 1.0); // a whole-number double: "integer" for some validators
        break;
      case 5:
        parent.put(key, new BigInteger("100000000000000000000000"));
        break;
      case 6:
        parent.put(key, true);
        break;
      case 7:
        parent.put(key, "");
        break;
      case 8:
        parent.put(key, "https://x/" + "a".repeat(9000));
        break;
      case 9:
        parent.putArray(key).add(1);
        break;
      case 10:
        parent.put(key, TIMES[random.nextInt(TIMES.length)]);
        break;
      case 11:
        parent.put(key, "0416300b-980c-45bb-b0a2-c9d7a9e2b7eb\n");
        break;
      case 12:
        parent.put(key, new BigDecimal("1e400"));
        break;
      default:
        parent.put(key, "http://exa mple.com/ x");
    }
  }
}
