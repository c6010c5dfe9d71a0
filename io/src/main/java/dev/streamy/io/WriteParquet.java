package dev.streamy.io;

import java.util.Map;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.PTransform;
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
public final class WriteParquet extends PTransform<PCollection<Row>, WriteFilesResult<Void>> {

  /** Folder FileIO creates under the output directory for files being written. */
  public static final String TEMP_FOLDER = ".temp-beam";

  private static final String SUFFIX = ".parquet";

  private final String directory;
  private final Schema schema;
  private final int numShards;
  private final String prefix;

  private WriteParquet(String directory, Schema schema, int numShards, String prefix) {
    this.directory = directory;
    this.schema = schema;
    this.numShards = numShards;
    this.prefix = prefix;
  }

  /**
   * Writes rows of {@code schema} under {@code directory}: a local folder or any Beam FileSystem
   * path (e.g. {@code gs://bucket/events}).
   */
  public static WriteParquet to(String directory, Schema schema) {
    if (directory == null || directory.isBlank()) {
      throw new IllegalArgumentException("directory must not be empty");
    }
    String trimmed =
        directory.endsWith("/") ? directory.substring(0, directory.length() - 1) : directory;
    return new WriteParquet(trimmed, schema, 1, "part");
  }

  /** Writes each window's pane in exactly {@code numShards} files. */
  public WriteParquet withNumShards(int numShards) {
    if (numShards < 1) {
      throw new IllegalArgumentException("numShards must be at least 1");
    }
    return new WriteParquet(directory, schema, numShards, prefix);
  }

  /** Starts every file name with {@code prefix} (see {@link WindowedFileNaming}). */
  public WriteParquet withPrefix(String prefix) {
    new WindowedFileNaming(prefix, SUFFIX); // validates
    return new WriteParquet(directory, schema, numShards, prefix);
  }

  @Override
  public WriteFilesResult<Void> expand(PCollection<Row> input) {
    if (input.hasSchema() && !input.getSchema().assignableTo(schema)) {
      throw new IllegalArgumentException(
          "Rows of schema " + input.getSchema() + " cannot be written as " + schema);
    }
    org.apache.avro.Schema avroSchema = AvroUtils.toAvroSchema(schema);
    return input.apply(
        "WriteParquetFiles",
        FileIO.<Row>write()
            .via(
                Contextful.fn(AvroUtils.getRowToGenericRecordFunction(avroSchema)),
                ParquetIO.sink(avroSchema)
                    // Standard 3-level lists, as Spark, Trino, DuckDB and Iceberg write them.
                    .withConfiguration(Map.of("parquet.avro.write-old-list-structure", "false")))
            .to(directory)
            .withNaming(new WindowedFileNaming(prefix, SUFFIX))
            .withNumShards(numShards));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("directory", directory))
        .add(DisplayData.item("prefix", prefix))
        .add(DisplayData.item("numShards", numShards));
  }
}
