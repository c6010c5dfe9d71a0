package dev.streamy.io;

import com.google.auto.value.AutoValue;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.annotation.Nullable;
import org.apache.beam.sdk.io.iceberg.IcebergIO;
import org.apache.beam.sdk.io.iceberg.IcebergUtils;
import org.apache.beam.sdk.io.iceberg.IcebergWriteResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.joda.time.Duration;

/**
 * Appends {@link Row}s to one Iceberg table through Beam's {@link IcebergIO}: the same rows, of the
 * same Beam schema, that {@link WriteParquet} writes, with no second conversion.
 *
 * <p>Create the table first with {@link #ensureTable} (before the pipeline is built), so that its
 * partitioning ({@code hour(<event time>)}), format version 2 and Parquet codec are streamy's;
 * otherwise IcebergIO creates an unpartitioned table with its defaults.
 *
 * <p>Bounded input is committed once at the end. Unbounded input needs {@link #withCommitInterval}:
 * IcebergIO commits a snapshot every interval, with random data-file names; it is at-least-once
 * (Beam issue 34074), so keep the event id and source offset columns to find duplicates.
 *
 * <p>IcebergIO 2.67 caches tables and catalogs in static maps keyed by {@code namespace.table}
 * alone: within one JVM, two writes to the same table name in different catalogs mix up their
 * tables. Give every table a distinct name.
 */
@AutoValue
public abstract class WriteIceberg extends PTransform<PCollection<Row>, IcebergWriteResult> {

  /** Table property values written by {@link #ensureTable}. */
  public static final String FORMAT_VERSION = "2";

  /** Namespace and table names: the allow-list streamy accepts (no dots, slashes or spaces). */
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  /** Appends to table {@code namespace.table} of {@code catalog}. */
  public static WriteIceberg to(IcebergCatalogSettings catalog, String namespace, String table) {
    if (catalog == null) {
      throw new IllegalArgumentException("catalog must not be null");
    }
    return new AutoValue_WriteIceberg.Builder()
        .setCatalog(catalog)
        .setNamespace(checkName("namespace", namespace))
        .setTable(checkName("table", table))
        .build();
  }

  abstract IcebergCatalogSettings getCatalog();

  abstract String getNamespace();

  abstract String getTable();

  abstract @Nullable Duration getCommitInterval();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setCatalog(IcebergCatalogSettings catalog);

    abstract Builder setNamespace(String namespace);

    abstract Builder setTable(String table);

    abstract Builder setCommitInterval(@Nullable Duration commitInterval);

    abstract WriteIceberg build();
  }

  /**
   * Commits a snapshot every {@code interval} when the input is unbounded (required then); ignored
   * for bounded input, which IcebergIO commits once at the end.
   */
  public WriteIceberg withCommitInterval(Duration interval) {
    if (interval == null || !interval.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("commit interval must be positive");
    }
    return toBuilder().setCommitInterval(interval).build();
  }

  /** The table written to, as {@code namespace.table}. */
  public String tableName() {
    return getNamespace() + "." + getTable();
  }

  @Override
  public IcebergWriteResult expand(PCollection<Row> input) {
    if (!input.hasSchema()) {
      throw new IllegalArgumentException("WriteIceberg needs rows with a Beam schema");
    }
    IcebergIO.WriteRows write =
        IcebergIO.writeRows(getCatalog().toBeamConfig())
            .to(TableIdentifier.of(getNamespace(), getTable()));
    Duration commitInterval = getCommitInterval();
    if (input.isBounded() == PCollection.IsBounded.UNBOUNDED) {
      if (commitInterval == null) {
        throw new IllegalArgumentException(
            "Writing unbounded rows to Iceberg table "
                + tableName()
                + " needs withCommitInterval(...)");
      }
      // IcebergIO requires a triggering frequency for unbounded input and rejects one for bounded.
      write = write.withTriggeringFrequency(commitInterval);
    }
    // The table is partitioned by its own columns; upstream windows and triggers mean nothing to
    // it, and IcebergIO's internal flatten rejects grouped (continuation) triggers. Every row is
    // written once, whatever pane it came in.
    return input
        .apply(
            "IntoGlobalWindow",
            Window.<Row>into(new GlobalWindows())
                .triggering(DefaultTrigger.of())
                .withAllowedLateness(Duration.ZERO)
                .discardingFiredPanes())
        .apply("WriteIcebergTable", write);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("table", tableName()))
        .add(DisplayData.item("catalogType", getCatalog().getType().name()))
        .addIfNotNull(DisplayData.item("commitInterval", getCommitInterval()));
    getCatalog()
        .redactedProperties()
        .forEach((key, value) -> builder.add(DisplayData.item("catalog." + key, value)));
  }

  /**
   * Creates {@code namespace.table} if missing, with the Iceberg schema IcebergIO derives from
   * {@code beamSchema}, partitioned by {@code hour(hourPartitionColumn)} when that is not null,
   * format version 2 and zstd-compressed Parquet (snappy when zstd cannot load here).
   *
   * <p>If the table exists, its schema is evolved to accept rows of {@code beamSchema}: a nullable
   * column the table lacks is added, a required column of the table becomes optional when the Beam
   * field is nullable, and a column is widened where Iceberg allows it (int to long, float to
   * double). Partitioning and properties of an existing table are left alone.
   *
   * @throws IllegalStateException naming the field, when the table cannot take the rows: a column
   *     whose type changed incompatibly, a non-nullable Beam field the table lacks, or a required
   *     table column the Beam schema lacks.
   * @throws IllegalArgumentException for a bad name or a partition column that is not a DATETIME
   *     field of {@code beamSchema}.
   */
  public static void ensureTable(
      IcebergCatalogSettings settings,
      String namespace,
      String table,
      Schema beamSchema,
      @Nullable String hourPartitionColumn) {
    TableIdentifier id =
        TableIdentifier.of(checkName("namespace", namespace), checkName("table", table));
    if (hourPartitionColumn != null
        && (!beamSchema.hasField(hourPartitionColumn)
            || beamSchema.getField(hourPartitionColumn).getType().getTypeName()
                != Schema.TypeName.DATETIME)) {
      throw new IllegalArgumentException(
          "Partition column " + hourPartitionColumn + " is not a DATETIME field of the schema");
    }
    org.apache.iceberg.Schema wanted = IcebergUtils.beamSchemaToIcebergSchema(beamSchema);
    Catalog catalog = settings.toBeamConfig().catalog();
    try {
      if (catalog instanceof SupportsNamespaces) {
        createNamespaceIfMissing((SupportsNamespaces) catalog, id.namespace());
      }
      if (!catalog.tableExists(id)) {
        PartitionSpec spec =
            hourPartitionColumn == null
                ? PartitionSpec.unpartitioned()
                : PartitionSpec.builderFor(wanted).hour(hourPartitionColumn).build();
        try {
          catalog
              .buildTable(id, wanted)
              .withPartitionSpec(spec)
              .withProperties(
                  Map.of(
                      TableProperties.FORMAT_VERSION,
                      FORMAT_VERSION,
                      TableProperties.PARQUET_COMPRESSION,
                      parquetCodec()))
              .create();
          return;
        } catch (AlreadyExistsException raced) {
          // Another job created it meanwhile: fall through and check its schema like any other.
        }
      }
      evolve(catalog.loadTable(id), wanted);
    } finally {
      closeCatalog(catalog);
    }
  }

  private static void createNamespaceIfMissing(SupportsNamespaces catalog, Namespace namespace) {
    if (!catalog.namespaceExists(namespace)) {
      try {
        catalog.createNamespace(namespace);
      } catch (AlreadyExistsException raced) {
        // Created by someone else in between: what we wanted.
      }
    }
  }

  /** Makes {@code table} accept records of {@code wanted}, or says which field prevents it. */
  static void evolve(Table table, org.apache.iceberg.Schema wanted) {
    org.apache.iceberg.Schema current = table.schema();
    List<String> problems = new ArrayList<>();
    UpdateSchema update = table.updateSchema();
    boolean changed = false;
    for (Types.NestedField field : wanted.columns()) {
      Types.NestedField existing = current.findField(field.name());
      if (existing == null) {
        if (field.isRequired()) {
          problems.add(
              "field "
                  + field.name()
                  + " is not nullable in the Beam schema but missing from the table; only"
                  + " nullable fields can be added");
        } else {
          update.addColumn(field.name(), field.type(), field.doc());
          changed = true;
        }
        continue;
      }
      if (!sameType(existing.type(), field.type())) {
        if (existing.type().isPrimitiveType()
            && field.type().isPrimitiveType()
            && TypeUtil.isPromotionAllowed(existing.type(), field.type().asPrimitiveType())) {
          update.updateColumn(field.name(), field.type().asPrimitiveType());
          changed = true;
        } else {
          problems.add(
              "field "
                  + field.name()
                  + " is "
                  + existing.type()
                  + " in the table but "
                  + field.type()
                  + " in the Beam schema");
        }
      }
      if (existing.isRequired() && field.isOptional()) {
        update.makeColumnOptional(field.name());
        changed = true;
      }
    }
    for (Types.NestedField existing : current.columns()) {
      if (existing.isRequired() && wanted.findField(existing.name()) == null) {
        problems.add(
            "required field " + existing.name() + " of the table is not in the Beam schema");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "Iceberg table "
              + table.name()
              + " cannot take the rows: "
              + String.join("; ", problems));
    }
    if (changed) {
      update.commit();
    }
  }

  /** Type equality that ignores field ids (which differ between a table and a fresh schema). */
  private static boolean sameType(Type left, Type right) {
    if (left.typeId() != right.typeId()) {
      return false;
    }
    if (left.isPrimitiveType()) {
      return left.equals(right);
    }
    List<Types.NestedField> leftFields = left.asNestedType().fields();
    List<Types.NestedField> rightFields = right.asNestedType().fields();
    if (leftFields.size() != rightFields.size()) {
      return false;
    }
    for (int i = 0; i < leftFields.size(); i++) {
      Types.NestedField l = leftFields.get(i);
      Types.NestedField r = rightFields.get(i);
      if ((left.isStructType() && !l.name().equals(r.name()))
          || l.isOptional() != r.isOptional()
          || !sameType(l.type(), r.type())) {
        return false;
      }
    }
    return true;
  }

  /** zstd (Iceberg's default) when its native library loads here, snappy otherwise. */
  static String parquetCodec() {
    try {
      // Zstd's static initialiser loads the native library and fails if it cannot.
      Class.forName("com.github.luben.zstd.Zstd", true, WriteIceberg.class.getClassLoader());
      return "zstd";
    } catch (ClassNotFoundException | LinkageError unavailable) {
      return "snappy";
    }
  }

  /**
   * {@code name} when it is a namespace or table name streamy accepts.
   *
   * @throws IllegalArgumentException naming {@code what} and the allowed pattern otherwise
   */
  public static String checkName(String what, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(what + " must match " + NAME.pattern() + ", got: " + name);
    }
    return name;
  }

  private static void closeCatalog(Catalog catalog) {
    if (catalog instanceof Closeable) {
      try {
        ((Closeable) catalog).close();
      } catch (IOException e) {
        throw new UncheckedIOException("Could not close Iceberg catalog", e);
      }
    }
  }
}
