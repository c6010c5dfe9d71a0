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
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.iceberg.IcebergUtils;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
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
 * Appends {@link Row}s to one Iceberg table exactly once: the same rows, of the same Beam schema,
 * that {@link WriteParquet} writes.
 *
 * <p>Create the table first with {@link #ensureTable} (before the pipeline is built), so that its
 * partitioning ({@code hour(<event time>)}), format version 2 and Parquet codec are streamy's.
 *
 * <p>How rows reach the table:
 *
 * <ol>
 *   <li>Rows are written to Parquet data files as they arrive, by Iceberg's own generic writer, one
 *       open file per partition and worker, closed at {@link #withTargetFileSize the target size}
 *       and when the bundle ends (on Flink, before each checkpoint). Nothing is held in state but
 *       the closed files' metadata, so memory does not grow with the rows of a window.
 *   <li>One committer per table gathers the closed files (once at the end of bounded input; every
 *       {@link #withCommitInterval commit interval} for unbounded input) and, past the runner's
 *       stable-input boundary, appends those the table does not hold yet in one snapshot that
 *       records the sink id, so a restored job never commits a file twice (see {@link
 *       IcebergCommitter}). Small files of the commit are then joined in a rewrite snapshot.
 *   <li>Files a failed bundle wrote are never committed; the committer deletes this sink's
 *       unreferenced files once they are older than {@link #withOrphanAge the orphan age}.
 * </ol>
 *
 * <p>Give every job that writes the table its own {@link #withSinkId sink id}, and keep it across
 * restarts: two jobs with different ids append side by side without losing each other's commits;
 * two with the same id would take each other's commits for their own.
 *
 * <p>The result holds the ids of the snapshots committed.
 */
@AutoValue
public abstract class WriteIceberg extends PTransform<PCollection<Row>, PCollection<Long>> {

  /** Table property values written by {@link #ensureTable}. */
  public static final String FORMAT_VERSION = "2";

  /** The sink id when none is given. */
  public static final String DEFAULT_SINK_ID = "streamy";

  /** Size a data file grows to before the writer starts the next, by default. */
  public static final long DEFAULT_TARGET_FILE_BYTES = 128L * 1024 * 1024;

  /** How old an uncommitted data file must be before it counts as an orphan, by default. */
  public static final Duration DEFAULT_ORPHAN_AGE = Duration.standardDays(1);

  /** Namespace and table names: the allow-list streamy accepts (no dots, slashes or spaces). */
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  /** Sink ids: they go into file names and table property keys. */
  private static final Pattern SINK_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  /** Appends to table {@code namespace.table} of {@code catalog}. */
  public static WriteIceberg to(IcebergCatalogSettings catalog, String namespace, String table) {
    if (catalog == null) {
      throw new IllegalArgumentException("catalog must not be null");
    }
    return new AutoValue_WriteIceberg.Builder()
        .setCatalog(catalog)
        .setNamespace(checkName("namespace", namespace))
        .setTable(checkName("table", table))
        .setSinkId(DEFAULT_SINK_ID)
        .setTargetFileBytes(DEFAULT_TARGET_FILE_BYTES)
        .setOrphanAge(DEFAULT_ORPHAN_AGE)
        .build();
  }

  abstract IcebergCatalogSettings getCatalog();

  abstract String getNamespace();

  abstract String getTable();

  abstract @Nullable Duration getCommitInterval();

  abstract String getSinkId();

  abstract long getTargetFileBytes();

  abstract Duration getOrphanAge();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setCatalog(IcebergCatalogSettings catalog);

    abstract Builder setNamespace(String namespace);

    abstract Builder setTable(String table);

    abstract Builder setCommitInterval(@Nullable Duration commitInterval);

    abstract Builder setSinkId(String sinkId);

    abstract Builder setTargetFileBytes(long bytes);

    abstract Builder setOrphanAge(Duration age);

    abstract WriteIceberg build();
  }

  /**
   * Commits a snapshot every {@code interval} when the input is unbounded (required then); ignored
   * for bounded input, which is committed once at the end.
   */
  public WriteIceberg withCommitInterval(Duration interval) {
    if (interval == null || !interval.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("commit interval must be positive");
    }
    return toBuilder().setCommitInterval(interval).build();
  }

  /**
   * Names this writer in the table's snapshots and data files: keep it across restarts of a job,
   * and give each job writing the same table its own.
   */
  public WriteIceberg withSinkId(String sinkId) {
    return toBuilder().setSinkId(checkSinkId(sinkId)).build();
  }

  /**
   * {@code sinkId} when it can name a sink (it goes into file names and table property keys).
   *
   * @throws IllegalArgumentException with the allowed pattern otherwise
   */
  public static String checkSinkId(String sinkId) {
    if (sinkId == null || !SINK_ID.matcher(sinkId).matches()) {
      throw new IllegalArgumentException(
          "sink id must match " + SINK_ID.pattern() + ", got: " + sinkId);
    }
    return sinkId;
  }

  /** Closes a data file once it holds about {@code bytes} and starts the next. */
  public WriteIceberg withTargetFileSize(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("target file size must be positive: " + bytes);
    }
    return toBuilder().setTargetFileBytes(bytes).build();
  }

  /**
   * Deletes this sink's uncommitted data files once they are older than {@code age}: make it longer
   * than a file can take to be committed (commit interval, checkpoints, a restart).
   */
  public WriteIceberg withOrphanAge(Duration age) {
    if (age == null || !age.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("orphan age must be positive");
    }
    return toBuilder().setOrphanAge(age).build();
  }

  /** The table written to, as {@code namespace.table}. */
  public String tableName() {
    return getNamespace() + "." + getTable();
  }

  @Override
  public PCollection<Long> expand(PCollection<Row> input) {
    if (!input.hasSchema()) {
      throw new IllegalArgumentException("WriteIceberg needs rows with a Beam schema");
    }
    Duration commitInterval = getCommitInterval();
    boolean unbounded = input.isBounded() == PCollection.IsBounded.UNBOUNDED;
    if (unbounded && commitInterval == null) {
      throw new IllegalArgumentException(
          "Writing unbounded rows to Iceberg table "
              + tableName()
              + " needs withCommitInterval(...)");
    }
    Coder<WrittenDataFile> fileCoder = SerializableCoder.of(WrittenDataFile.class);
    // The table is partitioned by its own columns; upstream windows and triggers mean nothing to
    // it. Every row is written once, whatever pane it came in.
    PCollection<KV<String, WrittenDataFile>> files =
        input
            .apply(
                "IntoGlobalWindow",
                Window.<Row>into(new GlobalWindows())
                    .triggering(DefaultTrigger.of())
                    .withAllowedLateness(Duration.ZERO)
                    .discardingFiredPanes())
            .apply(
                "WriteDataFiles",
                ParDo.of(
                    new WriteIcebergFilesFn(
                        getCatalog(),
                        getNamespace(),
                        getTable(),
                        getSinkId(),
                        getTargetFileBytes(),
                        input.getSchema())))
            .setCoder(fileCoder)
            .apply("KeyByTable", WithKeys.of(tableName()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), fileCoder));
    if (unbounded) {
      files =
          files.apply(
              "EveryCommitInterval",
              Window.<KV<String, WrittenDataFile>>configure()
                  .triggering(
                      Repeatedly.forever(
                          AfterProcessingTime.pastFirstElementInPane().plusDelayOf(commitInterval)))
                  .withAllowedLateness(Duration.ZERO)
                  .discardingFiredPanes());
    }
    return files
        .apply("GroupFilesToCommit", GroupByKey.create())
        .apply(
            "CommitFiles",
            ParDo.of(
                new IcebergCommitter.CommitFilesFn(
                    getCatalog(),
                    getNamespace(),
                    getTable(),
                    getSinkId(),
                    getTargetFileBytes(),
                    getOrphanAge().getMillis())))
        .setCoder(VarLongCoder.of());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("table", tableName()))
        .add(DisplayData.item("catalogType", getCatalog().getType().name()))
        .add(DisplayData.item("sinkId", getSinkId()))
        .add(DisplayData.item("targetFileBytes", getTargetFileBytes()))
        .addIfNotNull(DisplayData.item("commitInterval", getCommitInterval()));
    getCatalog()
        .redactedProperties()
        .forEach((key, value) -> builder.add(DisplayData.item("catalog." + key, value)));
  }

  /**
   * Takes back what sink {@code sinkId} committed to table {@code namespace.table}: every data file
   * a snapshot with that sink id added is deleted from the table, in one new snapshot (the files
   * stay for time travel until snapshots expire). For a bounded run that stopped before it could
   * say it finished (a replay), so that its next attempt under the same sink id adds each row once.
   *
   * @return how many data files were taken back; 0 when the table does not exist or has none
   */
  public static int removeCommitted(
      IcebergCatalogSettings settings, String namespace, String table, String sinkId) {
    TableIdentifier id = TableIdentifier.of(namespace, table);
    Catalog catalog = settings.toBeamConfig().catalog();
    if (!catalog.tableExists(id)) {
      return 0;
    }
    org.apache.iceberg.Table loaded = catalog.loadTable(id);
    java.util.Set<String> added = new java.util.LinkedHashSet<>();
    for (org.apache.iceberg.Snapshot snapshot : loaded.snapshots()) {
      if (sinkId.equals(snapshot.summary().get(IcebergCommitter.SINK_ID))) {
        for (org.apache.iceberg.DataFile file : snapshot.addedDataFiles(loaded.io())) {
          added.add(file.path().toString());
        }
      }
    }
    java.util.Set<String> live = new java.util.HashSet<>();
    try (org.apache.iceberg.io.CloseableIterable<org.apache.iceberg.FileScanTask> tasks =
        loaded.newScan().planFiles()) {
      tasks.forEach(task -> live.add(task.file().path().toString()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot list the files of " + id, e);
    }
    added.retainAll(live);
    if (added.isEmpty()) {
      return 0;
    }
    org.apache.iceberg.DeleteFiles delete = loaded.newDelete();
    added.forEach(delete::deleteFile);
    delete.set(IcebergCommitter.SINK_ID + ".removed", sinkId).commit();
    return added.size();
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

  static void closeCatalog(Catalog catalog) {
    if (catalog instanceof Closeable) {
      try {
        ((Closeable) catalog).close();
      } catch (IOException e) {
        throw new UncheckedIOException("Could not close Iceberg catalog", e);
      }
    }
  }
}
