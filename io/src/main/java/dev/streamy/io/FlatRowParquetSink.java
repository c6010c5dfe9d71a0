package dev.streamy.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
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
import org.apache.parquet.io.PositionOutputStream;
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
        new Builder(new ChannelOutputFile(channel), schema)
            .withConf(new PlainParquetConfiguration())
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .build();
  }

  @Override
  public void write(Row row) throws IOException {
    writer().write(row);
  }

  /** Ends the file (footer included); FileIO closes the channel afterwards. */
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

  /** Parquet's output file over the channel FileIO opened; Parquet only needs to append. */
  private static final class ChannelOutputFile implements OutputFile {
    private final WritableByteChannel channel;

    ChannelOutputFile(WritableByteChannel channel) {
      this.channel = channel;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
      return new CountingStream(Channels.newOutputStream(channel));
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
      return create(blockSizeHint);
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }
  }

  private static final class CountingStream extends PositionOutputStream {
    private final OutputStream out;
    private long position;

    CountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public long getPos() {
      return position;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      position++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      position += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    /** Leaves the channel open: FileIO closes it after {@link FileIO.Sink#flush()}. */
    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
