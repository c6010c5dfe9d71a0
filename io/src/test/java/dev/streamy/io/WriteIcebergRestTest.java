package dev.streamy.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.Row;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.types.Types;
import org.joda.time.Instant;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.rules.TestName;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Writes rows with {@link WriteIceberg} through a REST catalog: a real Iceberg REST server over
 * HTTP on loopback ({@link LocalRestCatalog}), read back through a separate REST client.
 */
@RunWith(JUnit4.class)
public class WriteIcebergRestTest {

  private static final Schema SCHEMA =
      Schema.builder()
          .addStringField("name")
          .addNullableField("count", FieldType.INT64)
          .addDateTimeField("ts")
          .build();

  private static final Instant T1305 = Instant.parse("2024-08-22T13:05:00Z");
  private static final Instant T1410 = Instant.parse("2024-08-22T14:10:00.123Z");

  @Rule public final TemporaryFolder folder = new TemporaryFolder();
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final TestName testName = new TestName();

  private LocalRestCatalog server;
  private Path warehouse;
  private IcebergCatalogSettings catalog;

  /**
   * This test's table: IcebergIO caches tables by {@code namespace.table} in static maps, so the
   * name must differ from every other test's in this JVM (WriteIcebergTest uses events_*).
   */
  private String table;

  @Before
  public void setUp() throws Exception {
    warehouse = folder.newFolder("rest-warehouse").toPath();
    server = LocalRestCatalog.start(warehouse);
    catalog = IcebergCatalogSettings.rest(server.uri(), warehouse.toString());
    table = "rest_events_" + testName.getMethodName();
  }

  @After
  public void tearDown() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private static Row row(String name, Long count, Instant ts) {
    return Row.withSchema(SCHEMA).addValues(name, count, ts).build();
  }

  private static List<Object> expected(String name, Long count, Instant ts) {
    return Arrays.asList(
        name,
        count,
        OffsetDateTime.ofInstant(java.time.Instant.ofEpochMilli(ts.getMillis()), ZoneOffset.UTC));
  }

  /** A REST client of its own, not the one ensureTable or IcebergIO used. */
  private RESTCatalog freshClient() {
    RESTCatalog client = new RESTCatalog();
    client.setConf(new Configuration());
    client.initialize(
        "verify",
        Map.of(
            CatalogProperties.URI,
            server.uri(),
            CatalogProperties.WAREHOUSE_LOCATION,
            warehouse.toString()));
    return client;
  }

  private static List<List<Object>> readAll(Table table) throws IOException {
    List<List<Object>> rows = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      for (Record record : records) {
        rows.add(
            Arrays.asList(
                record.getField("name").toString(),
                record.getField("count"),
                ((OffsetDateTime) record.getField("ts")).withOffsetSameInstant(ZoneOffset.UTC)));
      }
    }
    return rows;
  }

  @Test
  public void writesRowsThroughARestCatalogServer() throws Exception {
    WriteIceberg.ensureTable(catalog, "lake", table, SCHEMA, "ts");
    int afterEnsure = server.requestCount();
    assertThat(server.requests(), hasItem("GET /v1/config"));
    assertThat(server.requests(), hasItem("POST /v1/namespaces"));
    assertThat(server.requests(), hasItem("POST /v1/namespaces/lake/tables"));

    pipeline
        .apply(
            "Rows",
            Create.of(row("a", 1L, T1305), row("b", null, T1305), row("c", Long.MAX_VALUE, T1410))
                .withRowSchema(SCHEMA))
        .apply("Write", WriteIceberg.to(catalog, "lake", table));
    pipeline.run().waitUntilFinish();

    // IcebergIO itself went through the server: it loaded the table and committed the append.
    assertThat(server.requestCount(), greaterThan(afterEnsure));
    List<String> byPipeline = server.requests().subList(afterEnsure, server.requestCount());
    assertThat(byPipeline, hasItem("GET /v1/namespaces/lake/tables/" + table));
    assertThat(byPipeline, hasItem("POST /v1/namespaces/lake/tables/" + table));

    int beforeRead = server.requestCount();
    try (RESTCatalog client = freshClient()) {
      assertEquals(List.of(Namespace.of("lake")), client.listNamespaces());
      Table written = client.loadTable(TableIdentifier.of("lake", table));
      assertThat(server.requestCount(), greaterThan(beforeRead));

      assertThat(
          readAll(written),
          containsInAnyOrder(
              expected("a", 1L, T1305),
              expected("b", null, T1305),
              expected("c", Long.MAX_VALUE, T1410)));

      assertNotNull(written.currentSnapshot());
      List<Snapshot> appends = WriteIcebergTest.appends(written);
      assertEquals(1, appends.size());
      Snapshot snapshot = appends.get(0);
      assertEquals("3", snapshot.summary().get("added-records"));
      Set<Integer> hours = new HashSet<>();
      for (DataFile file : snapshot.addedDataFiles(written.io())) {
        assertThat(file.path().toString(), startsWith(warehouse.toString()));
        hours.add(file.partition().get(0, Integer.class));
      }
      assertEquals(2, hours.size());

      // The table is the one ensureTable made, held by the server's catalog under the warehouse.
      assertEquals(1, written.spec().fields().size());
      assertEquals("hour", written.spec().fields().get(0).transform().toString());
      assertEquals(2, ((HasTableOperations) written).operations().current().formatVersion());
      assertEquals(Types.TimestampType.withZone(), written.schema().findField("ts").type());
      assertTrue(written.schema().findField("count").isOptional());
      assertThat(written.location(), startsWith(warehouse.toString()));
    }
  }

  @Test
  public void ensureTableEvolvesAnExistingTableThroughTheServer() throws Exception {
    WriteIceberg.ensureTable(catalog, "lake", table, SCHEMA, "ts");
    Schema wider =
        Schema.builder()
            .addFields(SCHEMA.getFields())
            .addNullableField("region", FieldType.STRING)
            .build();

    WriteIceberg.ensureTable(catalog, "lake", table, wider, null);

    try (RESTCatalog client = freshClient()) {
      Table evolved = client.loadTable(TableIdentifier.of("lake", table));
      Types.NestedField region = evolved.schema().findField("region");
      assertNotNull(region);
      assertTrue(region.isOptional());
      assertEquals(1, evolved.spec().fields().size());
    }
    assertThat(server.requests(), hasItem("POST /v1/namespaces/lake/tables/" + table));
  }
}
