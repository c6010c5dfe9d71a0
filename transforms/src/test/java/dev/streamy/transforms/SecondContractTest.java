package dev.streamy.transforms;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamy.transforms.testing.FixedClock;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * A second, unrelated contract (test resources {@code contracts/shop-order-1.0.0.*}) runs through
 * the same transforms with no Java written for it.
 */
@RunWith(JUnit4.class)
public class SecondContractTest {

  private static final String NAME = "shop-order-1.0.0";

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static SourceRecord order(long offset, String json) {
    return SourceRecord.of("orders", 0, offset, json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  public void derivesTheBeamSchemaFromTheContract() {
    Contract contract = Contract.load(NAME);
    Schema expected =
        Schema.builder()
            .addField("order_id", FieldType.STRING)
            .addField("placed_at", FieldType.DATETIME)
            .addField("country", FieldType.STRING)
            .addField("total", FieldType.DOUBLE)
            .addNullableField("items", FieldType.INT64)
            .addNullableField("express", FieldType.BOOLEAN)
            .addField("customer_id", FieldType.STRING)
            .addNullableField("vip", FieldType.BOOLEAN)
            .addNullableField("note", FieldType.STRING)
            .addField(Contract.TOPIC_COLUMN, FieldType.STRING)
            .addField(Contract.PARTITION_COLUMN, FieldType.INT32)
            .addField(Contract.OFFSET_COLUMN, FieldType.INT64)
            .build();
    assertEquals(expected, contract.getEventSchema());
    assertEquals("shop-order", contract.getName());
    assertEquals("1.0.0", contract.getVersion());
    assertEquals("order_id", contract.eventIdColumn());
    assertEquals("placed_at", contract.eventTimeColumn());
    assertEquals(List.of("country"), contract.getAggregation().getGroupKeys());
    assertEquals("express", contract.getAggregation().getCountTrue());
    assertEquals("customer_id", contract.getAggregation().getDistinct());
  }

  @Test
  public void validatesOrdersIntoRowsAndDeadLetters() {
    Contract contract = Contract.load(NAME);
    SourceRecord full =
        order(
            0,
            "{\"order_id\":\"ord-0001\",\"placed_at\":\"2025-03-01T10:15:00Z\",\"country\":\"FR\","
                + "\"total\":42.5,\"items\":3,\"express\":true,"
                + "\"customer\":{\"id\":\"c-7\",\"vip\":true},\"coupon\":\"SPRING\"}");
    SourceRecord minimal =
        order(
            1,
            "{\"order_id\":\"ord-0002\",\"placed_at\":\"2025-03-01T11:00:00+01:00\","
                + "\"country\":\"DE\",\"total\":0,\"customer\":{\"id\":\"c-8\",\"vip\":null}}");
    SourceRecord noCustomerId =
        order(
            2,
            "{\"order_id\":\"ord-0003\",\"placed_at\":\"2025-03-01T10:00:00Z\",\"country\":\"FR\","
                + "\"total\":1,\"customer\":{}}");
    SourceRecord badValues =
        order(
            3,
            "{\"order_id\":\"ord-0004\",\"placed_at\":\"2025-03-01T10:00:00Z\",\"country\":\"fr\","
                + "\"total\":-1,\"items\":0,\"customer\":{\"id\":\"c-9\"}}");
    SourceRecord noTime =
        order(
            4,
            "{\"order_id\":\"ord-0005\",\"country\":\"FR\",\"total\":1,"
                + "\"customer\":{\"id\":\"c-1\"}}");
    SourceRecord future =
        order(
            5,
            "{\"order_id\":\"ord-0006\",\"placed_at\":\"2025-03-02T12:00:00Z\",\"country\":\"FR\","
                + "\"total\":1,\"customer\":{\"id\":\"c-1\"}}");

    WithFailures.Result<PCollection<KV<SourceRecord, JsonNode>>, DeadLetter> parsed =
        ParseEventsTest.create(
                pipeline, List.of(full, minimal, noCustomerId, badValues, noTime, future))
            .apply("ParseEvents", ParseEvents.withLimits(4096, 16));
    WithFailures.Result<PCollection<KV<SourceRecord, Row>>, DeadLetter> validated =
        parsed
            .output()
            .apply(
                "ValidateEvents",
                ValidateEvents.of(contract, Duration.standardHours(1))
                    .withClock(FixedClock.at("2025-03-01T12:00:00Z")));

    Schema schema = contract.getEventSchema();
    PAssert.that(parsed.failures()).empty();
    PAssert.that(validated.output().apply(Values.create()))
        .containsInAnyOrder(
            Row.withSchema(schema)
                .addValues(
                    "ord-0001",
                    Instant.parse("2025-03-01T10:15:00Z"),
                    "FR",
                    42.5,
                    3L,
                    true,
                    "c-7",
                    true,
                    null,
                    "orders",
                    0,
                    0L)
                .build(),
            Row.withSchema(schema)
                .addValues(
                    "ord-0002",
                    Instant.parse("2025-03-01T10:00:00Z"),
                    "DE",
                    0.0,
                    null,
                    null,
                    "c-8",
                    null,
                    null,
                    "orders",
                    0,
                    1L)
                .build());
    PAssert.that(
            validated
                .failures()
                .apply(
                    "Summarize",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            (DeadLetter d) ->
                                d.getOffset()
                                    + " "
                                    + d.getErrorCode()
                                    + " "
                                    + d.getEventId()
                                    + " "
                                    + d.getViolations().stream()
                                        .map(v -> v.getPath() + ":" + v.getCode())
                                        .collect(Collectors.joining(",")))))
        .containsInAnyOrder(
            "2 FIELD_MISSING ord-0003 customer.id:FIELD_MISSING",
            "3 FIELD_INVALID ord-0004 country:FIELD_INVALID,items:FIELD_INVALID,total:FIELD_INVALID",
            "4 TS_INVALID ord-0005 placed_at:TS_INVALID",
            "5 TS_FUTURE ord-0006 placed_at:TS_FUTURE");

    PipelineResult run = pipeline.run();
    run.waitUntilFinish();
    assertEquals(2, ParseEventsTest.counter(run, "events_valid"));
    assertEquals(1, ParseEventsTest.counter(run, "events_with_unknown_fields"));
  }
}
