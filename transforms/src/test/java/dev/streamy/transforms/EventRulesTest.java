package dev.streamy.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class EventRulesTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String SECRET = "Zq9SecretPayload";
  private static final String ID = "0416300b-980c-45bb-b0a2-c9d7a9e2b7eb";
  private static final Instant EVENT_TIME = Instant.parse("2023-07-29T07:51:39Z");
  private static final Instant NOW = Instant.parse("2023-07-29T08:00:00Z");

  private final EventRules rules =
      new EventRules(Contract.load(Contract.DEFAULT), Duration.standardMinutes(5));

  /** A minimal event the default contract accepts, with only declared fields. */
  static ObjectNode validEvent() {
    try {
      return (ObjectNode)
          MAPPER.readTree(
              "{\"$schema\":\"/mediawiki/recentchange/1.0.0\",\"meta\":{\"id\":\""
                  + ID
                  + "\",\"dt\":\"2023-07-29T07:51:39Z\",\"stream\":\"mediawiki.recentchange\","
                  + "\"domain\":\"en.wikipedia.org\",\"uri\":\"https://en.wikipedia.org/wiki/X\"},"
                  + "\"id\":1659529639,\"type\":\"edit\",\"namespace\":0,\"title\":\"X\","
                  + "\"bot\":false,\"length\":{\"old\":91108,\"new\":91166},\"wiki\":\"enwiki\"}");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static ObjectNode event(Consumer<ObjectNode> change) {
    ObjectNode event = validEvent();
    change.accept(event);
    return event;
  }

  private static ObjectNode meta(ObjectNode event) {
    return (ObjectNode) event.get("meta");
  }

  private EventRules.Verdict assertRefused(JsonNode event, ErrorCode code) {
    EventRules.Verdict verdict = rules.check(event, NOW);
    assertFalse("expected " + code, verdict.isValid());
    assertEquals(verdict.toString(), code, verdict.getCode());
    assertFalse(verdict.getViolations().isEmpty());
    return verdict;
  }

  private static List<String> describe(EventRules.Verdict verdict) {
    return verdict.getViolations().stream()
        .map(v -> v.getPath() + " " + v.getCode() + " " + v.getReason())
        .collect(Collectors.toList());
  }

  @Test
  public void acceptsAValidEvent() {
    EventRules.Verdict verdict = rules.check(validEvent(), NOW);
    assertTrue(verdict.toString(), verdict.isValid());
    assertNull(verdict.getCode());
    assertEquals(EVENT_TIME, verdict.getEventTime());
    assertEquals(ID, verdict.getEventId());
    assertEquals(List.of(), verdict.getViolations());
    assertFalse(verdict.hasUnknownFields());
  }

  @Test
  public void unknownFieldsAreAcceptedAndReported() {
    EventRules.Verdict topLevel = rules.check(event(e -> e.put("title_url", "x")), NOW);
    assertTrue(topLevel.isValid());
    assertTrue(topLevel.hasUnknownFields());
    EventRules.Verdict nested = rules.check(event(e -> meta(e).put("partition", 0)), NOW);
    assertTrue(nested.isValid());
    assertTrue(nested.hasUnknownFields());
  }

  @Test
  public void fieldsUnderAnObjectWithoutDeclaredPropertiesAreNotUnknown() {
    EventRules.Verdict verdict =
        rules.check(event(e -> e.putObject("log_params").put("anything", 1)), NOW);
    assertTrue(verdict.isValid());
    assertFalse(verdict.hasUnknownFields());
  }

  @Test
  public void missingNestedFieldIsFieldMissingWithItsFullPath() {
    EventRules.Verdict verdict =
        assertRefused(event(e -> meta(e).remove("stream")), ErrorCode.FIELD_MISSING);
    assertEquals(List.of("meta.stream FIELD_MISSING required, missing"), describe(verdict));
    assertEquals(ID, verdict.getEventId());
    assertEquals(EVENT_TIME, verdict.getEventTime());
  }

  @Test
  public void missingTopLevelFieldsAreAllListed() {
    EventRules.Verdict verdict =
        assertRefused(
            event(
                e -> {
                  e.remove("$schema");
                  meta(e).remove("stream");
                }),
            ErrorCode.FIELD_MISSING);
    assertEquals(
        List.of(
            "$schema FIELD_MISSING required, missing",
            "meta.stream FIELD_MISSING required, missing"),
        describe(verdict));
    assertEquals("2 contract violation(s) at: $schema, meta.stream", verdict.getMessage());
  }

  @Test
  public void missingEventIdIsFieldMissingWithoutAnEventId() {
    EventRules.Verdict verdict =
        assertRefused(event(e -> meta(e).remove("id")), ErrorCode.FIELD_MISSING);
    assertEquals(List.of("meta.id FIELD_MISSING required, missing"), describe(verdict));
    assertNull(verdict.getEventId());
  }

  @Test
  public void nullRequiredFieldIsFieldMissing() {
    EventRules.Verdict verdict =
        assertRefused(event(e -> meta(e).putNull("stream")), ErrorCode.FIELD_MISSING);
    assertEquals(
        List.of("meta.stream FIELD_MISSING null where a value is required"), describe(verdict));
  }

  @Test
  public void nullWhereTheTypeForbidsNullIsFieldMissing() {
    EventRules.Verdict verdict =
        assertRefused(event(e -> e.putNull("bot")), ErrorCode.FIELD_MISSING);
    assertEquals(List.of("bot FIELD_MISSING null where a value is required"), describe(verdict));
  }

  @Test
  public void nullWhereTheTypeAllowsNullIsFine() {
    assertTrue(rules.check(event(e -> e.putNull("id")), NOW).isValid());
  }

  @Test
  public void wrongTypeIsFieldInvalid() {
    EventRules.Verdict verdict =
        assertRefused(event(e -> e.put("namespace", "0")), ErrorCode.FIELD_INVALID);
    assertEquals(
        List.of("namespace FIELD_INVALID expected integer, found string"), describe(verdict));
    EventRules.Verdict union =
        assertRefused(event(e -> e.put("id", "1659529639")), ErrorCode.FIELD_INVALID);
    assertEquals(
        List.of("id FIELD_INVALID expected [integer, null], found string"), describe(union));
  }

  @Test
  public void fractionalNumberForAnIntegerIsFieldInvalid() {
    EventRules.Verdict verdict =
        assertRefused(
            event(e -> ((ObjectNode) e.get("length")).put("new", 1.5)), ErrorCode.FIELD_INVALID);
    assertEquals("length.new", verdict.getViolations().get(0).getPath());
  }

  @Test
  public void integerBeyondSixtyFourBitsIsFieldInvalid() {
    EventRules.Verdict verdict =
        assertRefused(
            event(
                e ->
                    ((ObjectNode) e.get("length"))
                        .put("new", new java.math.BigInteger("100000000000000000000000"))),
            ErrorCode.FIELD_INVALID);
    assertEquals(
        List.of("length.new FIELD_INVALID does not fit a 64-bit integer column"),
        describe(verdict));
  }

  @Test
  public void badPatternIsFieldInvalidWithoutEchoingTheValue() {
    EventRules.Verdict verdict =
        assertRefused(event(e -> meta(e).put("id", SECRET)), ErrorCode.FIELD_INVALID);
    assertEquals(
        List.of("meta.id FIELD_INVALID does not match the schema's pattern"), describe(verdict));
    assertEquals(SECRET, verdict.getEventId());
    assertThat(verdict.getMessage(), not(containsString(SECRET)));
  }

  @Test
  public void tooLongAndEmptyStringsAreFieldInvalid() {
    EventRules.Verdict verdict =
        assertRefused(
            event(
                e -> {
                  meta(e).put("uri", "https://x/" + "a".repeat(9000));
                  meta(e).put("domain", "");
                }),
            ErrorCode.FIELD_INVALID);
    assertEquals(
        List.of(
            "meta.domain FIELD_INVALID shorter than 1 characters",
            "meta.uri FIELD_INVALID longer than 8192 characters"),
        describe(verdict));
  }

  @Test
  public void dateTimeTheSchemaRejectsIsFieldInvalidWithoutEchoingIt() {
    // java.time reads a date-time without seconds; RFC 3339 (the schema's format) does not.
    EventRules.Verdict verdict =
        assertRefused(event(e -> meta(e).put("dt", "2023-07-29T07:51Z")), ErrorCode.FIELD_INVALID);
    assertEquals(List.of("meta.dt FIELD_INVALID not a valid date-time"), describe(verdict));
    assertThat(verdict.getMessage(), not(containsString("07:51")));
  }

  @Test
  public void missingAndInvalidTogetherIsFieldMissingListingBoth() {
    EventRules.Verdict verdict =
        assertRefused(
            event(
                e -> {
                  meta(e).remove("stream");
                  e.put("namespace", "zero");
                  e.put("bot", "no");
                }),
            ErrorCode.FIELD_MISSING);
    assertEquals(
        List.of(
            "bot FIELD_INVALID expected boolean, found string",
            "meta.stream FIELD_MISSING required, missing",
            "namespace FIELD_INVALID expected integer, found string"),
        describe(verdict));
  }

  @Test
  public void missingEventTimeIsTsInvalid() {
    EventRules.Verdict verdict =
        assertRefused(event(e -> meta(e).remove("dt")), ErrorCode.TS_INVALID);
    assertEquals(List.of("meta.dt TS_INVALID event time is missing or null"), describe(verdict));
    assertNull(verdict.getEventTime());
    assertEquals(ID, verdict.getEventId());
  }

  @Test
  public void missingParentOfEventTimeIsTsInvalid() {
    assertRefused(event(e -> e.remove("meta")), ErrorCode.TS_INVALID);
  }

  @Test
  public void nullEventTimeIsTsInvalid() {
    assertRefused(event(e -> meta(e).putNull("dt")), ErrorCode.TS_INVALID);
  }

  @Test
  public void numericEventTimeIsTsInvalid() {
    EventRules.Verdict verdict =
        assertRefused(event(e -> meta(e).put("dt", 1690617099L)), ErrorCode.TS_INVALID);
    assertEquals(List.of("meta.dt TS_INVALID event time is not a string"), describe(verdict));
  }

  @Test
  public void unparseableEventTimesAreTsInvalid() {
    for (String bad :
        new String[] {
          "yesterday", "2023-07-29", "2023-07-29T07:51:39", "2023-13-29T07:51:39Z", SECRET, ""
        }) {
      EventRules.Verdict verdict =
          assertRefused(event(e -> meta(e).put("dt", bad)), ErrorCode.TS_INVALID);
      assertEquals(
          List.of("meta.dt TS_INVALID event time is not an ISO-8601 date-time with an offset"),
          describe(verdict));
      assertThat(verdict.getMessage(), not(containsString(SECRET)));
    }
  }

  @Test
  public void eventTimesOutsideTheAcceptedRangeAreTsInvalid() {
    for (String bad :
        new String[] {
          "1999-12-31T23:59:59.999Z", "1970-01-01T00:00:00Z", "+10000-01-01T00:00:00Z"
        }) {
      EventRules.Verdict verdict =
          assertRefused(event(e -> meta(e).put("dt", bad)), ErrorCode.TS_INVALID);
      assertEquals(
          List.of("meta.dt TS_INVALID event time is outside 2000-01-01 .. 9999-12-31"),
          describe(verdict));
    }
    assertTrue(rules.check(event(e -> meta(e).put("dt", "2000-01-01T00:00:00Z")), NOW).isValid());
  }

  @Test
  public void eventTimeProblemsTakePrecedenceOverOtherViolations() {
    EventRules.Verdict verdict =
        assertRefused(
            event(
                e -> {
                  meta(e).put("dt", "soon");
                  meta(e).remove("stream");
                  e.remove("$schema");
                }),
            ErrorCode.TS_INVALID);
    assertEquals(1, verdict.getViolations().size());
  }

  @Test
  public void eventTimeTooFarAheadIsTsFuture() {
    Instant now = EVENT_TIME.minus(Duration.standardMinutes(5)).minus(Duration.millis(1));
    EventRules.Verdict verdict = rules.check(validEvent(), now);
    assertEquals(ErrorCode.TS_FUTURE, verdict.getCode());
    assertEquals(
        List.of("meta.dt TS_FUTURE event time is more than PT300S ahead of processing time"),
        describe(verdict));
    assertEquals(EVENT_TIME, verdict.getEventTime());
    assertEquals(ID, verdict.getEventId());
  }

  @Test
  public void eventTimeExactlyAtTheSkewIsFine() {
    Instant now = EVENT_TIME.minus(Duration.standardMinutes(5));
    assertTrue(rules.check(validEvent(), now).isValid());
  }

  @Test
  public void contractViolationsTakePrecedenceOverTsFuture() {
    EventRules.Verdict verdict =
        rules.check(event(e -> meta(e).remove("stream")), Instant.parse("2000-01-01T00:00:00Z"));
    assertEquals(ErrorCode.FIELD_MISSING, verdict.getCode());
  }

  @Test
  public void nonObjectEventIsRefusedNotThrown() {
    assertRefused(MAPPER.createArrayNode(), ErrorCode.TS_INVALID);
  }
}
