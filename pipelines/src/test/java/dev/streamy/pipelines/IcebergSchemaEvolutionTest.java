package dev.streamy.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.io.IcebergCatalogSettings;
import dev.streamy.io.WriteIceberg;
import dev.streamy.transforms.Contract;
import dev.streamy.transforms.SourceRecord;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.Row;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A contract's new version evolves the events table it writes to: an added optional field adds a
 * column that older rows read as null; a breaking change is refused before the pipeline runs,
 * naming the field.
 */
public class IcebergSchemaEvolutionTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static Row order(Contract contract, String id, long offset, String extra)
      throws Exception {
    String json =
        "{\"order_id\":\""
            + id
            + "\",\"placed_at\":\"2024-08-22T13:00:05Z\",\"country\":\"DE\",\"total\":12.5,"
            + "\"items\":2,\"customer\":{\"id\":\"c-1\"}"
            + extra
            + "}";
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    return contract.toRow(JSON.readTree(bytes), SourceRecord.of("orders", 0, offset, bytes));
  }

  private void write(IcebergCatalogSettings catalog, Contract contract, Row row) {
    WriteIceberg.ensureTable(
        catalog,
        "shop",
        IngestPipeline.EVENTS_TABLE,
        contract.getEventSchema(),
        contract.eventTimeColumn());
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply(Create.of(row).withRowSchema(contract.getEventSchema()))
        .apply(WriteIceberg.to(catalog, "shop", IngestPipeline.EVENTS_TABLE));
    p.run().waitUntilFinish();
  }

  @Test
  public void addedOptionalFieldAddsAColumnAndABreakingChangeIsRefusedAtStart() throws Exception {
    String warehouse = temp.newFolder("warehouse").toString();
    IcebergCatalogSettings catalog = IcebergCatalogSettings.hadoop(warehouse);
    Contract v1 = Contract.load("shop-order-1.0.0");
    Contract v11 = Contract.load("shop-order-1.1.0");

    write(catalog, v1, order(v1, "ord-0001", 1, ""));
    write(catalog, v11, order(v11, "ord-0002", 2, ",\"coupon\":\"SUMMER\""));

    Table table =
        new HadoopCatalog(new Configuration(), warehouse)
            .loadTable(TableIdentifier.of("shop", IngestPipeline.EVENTS_TABLE));
    Map<String, Object> coupons = new HashMap<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
      for (Record row : rows) {
        coupons.put((String) row.getField("order_id"), row.getField("coupon"));
      }
    }
    assertEquals(2, coupons.size());
    assertNull("the older row reads the new column as null", coupons.get("ord-0001"));
    assertEquals("SUMMER", coupons.get("ord-0002"));

    // items: integer -> string would break the table: the run is refused while it is built.
    String[] args = {
      "--bootstrapServers=127.0.0.1:9",
      "--inputTopic=orders",
      "--output=" + temp.newFolder("out"),
      "--contract=shop-order-2.0.0",
      "--sink=iceberg",
      "--icebergWarehouse=" + warehouse,
      "--icebergNamespace=shop"
    };
    IngestOptions options = PipelineOptionsFactory.fromArgs(args).as(IngestOptions.class);
    IllegalStateException refused =
        assertThrows(IllegalStateException.class, () -> IngestPipeline.run(Settings.from(options)));
    assertThat(refused.getMessage(), containsString("items"));
  }
}
