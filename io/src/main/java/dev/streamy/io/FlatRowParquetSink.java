package dev.streamy.io;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Writes flat Beam rows straight into Parquet with parquet-hadoop's {@link WriteSupport} and {@link
 * RowParquetRecords}, without an Avro record per row in between.
 *
 * <p>The files are what {@code ParquetIO.sink} writes for the same rows through Avro (the column
 * types are in {@link RowParquetRecords}), Snappy-compressed; only the Avro schema that
 * parquet-avro adds to the file's metadata is missing. Rows with nested or other types (the dead
 * letters) still go through {@code ParquetIO}; see {@link #supports(Schema)}.
 */
final class FlatRowParquetSink implements FileIO.Sink<Row> {

  private final Schema schema;
  private transient @Nullable ParquetWriter<Row> writer;

  FlatRowParquetSink(Schema schema) {
    RowParquetRecords.of(schema); // refuses what it cannot write, at construction
    this.schema = schema;
  }

  /** Whether every column of {@code schema} is of a type this sink writes. */
  static boolean supports(Schema schema) {
    return RowParquetRecords.supports(schema);
  }

  @Override
  public void open(WritableByteChannel channel) throws IOException {
    writer =
        new Builder(ParquetFiles.outputFile(channel), schema)
            .withConf(new PlainParquetConfiguration())
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .build();
  }

  @Override
  public void write(Row row) throws IOException {
    writer().write(row);
  }

  /** Ends the file (footer included); the caller closes the channel afterwards. */
  @Override
  public void flush() throws IOException {
    writer().close();
    writer = null;
  }

  private ParquetWriter<Row> writer() {
    if (writer == null) {
      throw new IllegalStateException("write or flush before open");
    }
    return writer;
  }

  private static final class Builder extends ParquetWriter.Builder<Row, Builder> {
    private final Schema schema;

    Builder(OutputFile file, Schema schema) {
      super(file);
      this.schema = schema;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<Row> getWriteSupport(Configuration conf) {
      return new RowWriteSupport(schema);
    }

    @Override
    protected WriteSupport<Row> getWriteSupport(ParquetConfiguration conf) {
      return new RowWriteSupport(schema);
    }
  }

  /** Each row as one record, through {@link RowParquetRecords}. */
  private static final class RowWriteSupport extends WriteSupport<Row> {
    private final RowParquetRecords records;
    private @Nullable RecordConsumer out;

    RowWriteSupport(Schema schema) {
      this.records = RowParquetRecords.of(schema);
    }

    @Override
    public WriteContext init(Configuration configuration) {
      return new WriteContext(records.messageType(), Map.of());
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
      return new WriteContext(records.messageType(), Map.of());
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
      this.out = recordConsumer;
    }

    @Override
    public void write(Row row) {
      records.write(row, out);
    }
  }
}
