package dev.streamy.io;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Writes windowed {@link Row}s as typed Parquet files, one set of files per window and pane, under
 * folders of the window start's UTC date and hour (see {@link WindowedFileNaming}):
 *
 * <pre>
 * &lt;directory&gt;/date=2024-08-22/hour=13/&lt;prefix&gt;-20240822T1300Z-20240822T1301Z-pane-0-shard-00000-of-00001.parquet
 * </pre>
 *
 * <p>Rows become Avro records through Beam's {@link AvroUtils}, so Beam types map to Parquet types:
 * DATETIME to a UTC timestamp (millis), INT64 to int64, BYTES to binary, nested rows to groups and
 * arrays to standard 3-level lists. The shard count is fixed (default 1) because file names must be
 * deterministic for a restored or retried write to overwrite rather than duplicate (Beam issue
 * 26041). Temporary files live under {@code <directory>/.temp-beam} (FileIO's default) until they
 * are renamed; they are deleted after, an empty folder may remain.
 *
 * <p>The input's windowing decides when files are written: each pane of each window becomes its own
 * files. An unbounded input must therefore be windowed (or triggered) before this transform.
 */
@AutoValue
public abstract class WriteParquet extends PTransform<PCollection<Row>, WriteFilesResult<Void>> {

  /** Folder FileIO creates under the output directory for files being written. */
  public static final String TEMP_FOLDER = ".temp-beam";

  private static final String SUFFIX = ".parquet";

  /**
   * Writes rows of {@code schema} under {@code directory}: a local folder or any Beam FileSystem
   * path (e.g. {@code gs://bucket/events}).
   */
  public static WriteParquet to(String directory, Schema schema) {
    if (directory == null || directory.isBlank()) {
      throw new IllegalArgumentException("directory must not be empty");
    }
    return new AutoValue_WriteParquet.Builder()
        .setDirectory(directory)
        .setSchema(schema)
        .setNumShards(1)
        .setPrefix("part")
        .build();
  }

  abstract String getDirectory();

  abstract Schema getSchema();

  abstract int getNumShards();

  abstract String getPrefix();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setDirectory(String directory);

    abstract Builder setSchema(Schema schema);

    abstract Builder setNumShards(int numShards);

    abstract Builder setPrefix(String prefix);

    abstract WriteParquet build();
  }

  /** Writes each window's pane in exactly {@code numShards} files. */
  public WriteParquet withNumShards(int numShards) {
    if (numShards < 1) {
      throw new IllegalArgumentException("numShards must be at least 1");
    }
    return toBuilder().setNumShards(numShards).build();
  }

  /** Starts every file name with {@code prefix} (see {@link WindowedFileNaming}). */
  public WriteParquet withPrefix(String prefix) {
    WindowedFileNaming.of(prefix, SUFFIX); // validates
    return toBuilder().setPrefix(prefix).build();
  }

  @Override
  public WriteFilesResult<Void> expand(PCollection<Row> input) {
    Schema schema = getSchema();
    if (input.hasSchema() && !input.getSchema().assignableTo(schema)) {
      throw new IllegalArgumentException(
          "Rows of schema " + input.getSchema() + " cannot be written as " + schema);
    }
    return input.apply(
        "WriteParquetFiles",
        FileIO.<Row>write()
            .via(sink(schema))
            .to(getDirectory())
            .withNaming(WindowedFileNaming.of(getPrefix(), SUFFIX))
            .withNumShards(getNumShards()));
  }

  /**
   * Flat rows (events, aggregates) go straight into Parquet; others (dead letters, with their lists
   * of headers and violations) through Avro records and ParquetIO. Both give the same column types
   * (see {@link FlatRowParquetSink}).
   */
  private static FileIO.Sink<Row> sink(Schema schema) {
    if (FlatRowParquetSink.supports(schema)) {
      return new FlatRowParquetSink(schema);
    }
    return new ViaAvro(AvroUtils.toAvroSchema(schema));
  }

  /** Rows as Avro records into ParquetIO's sink. */
  static final class ViaAvro implements FileIO.Sink<Row> {
    private final SerializableFunction<Row, GenericRecord> toRecord;
    private final ParquetIO.Sink parquet;

    ViaAvro(org.apache.avro.Schema avroSchema) {
      this.toRecord = AvroUtils.getRowToGenericRecordFunction(avroSchema);
      this.parquet =
          ParquetIO.sink(avroSchema)
              // Standard 3-level lists, as Spark, Trino, DuckDB and Iceberg write them.
              .withConfiguration(Map.of("parquet.avro.write-old-list-structure", "false"));
    }

    @Override
    public void open(WritableByteChannel channel) throws IOException {
      parquet.open(channel);
    }

    @Override
    public void write(Row row) throws IOException {
      parquet.write(toRecord.apply(row));
    }

    @Override
    public void flush() throws IOException {
      parquet.flush();
    }
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("directory", getDirectory()))
        .add(DisplayData.item("prefix", getPrefix()))
        .add(DisplayData.item("numShards", getNumShards()));
  }
}
