package dev.streamy.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * Parquet files written straight from the baseline's values with parquet-hadoop's {@link
 * WriteSupport}: no Avro records in between, local files without Hadoop's file system. Snappy, as
 * Beam's ParquetIO writes by default.
 */
final class ParquetFiles {

  /** Writes one value as one Parquet record. */
  @FunctionalInterface
  interface RecordWriter<T> {
    void write(T value, RecordConsumer out);
  }

  private ParquetFiles() {}

  /** A new file at {@code file} (replaced if it exists) of records of {@code schema}. */
  static <T> ParquetWriter<T> create(Path file, MessageType schema, RecordWriter<T> writer)
      throws IOException {
    return new Builder<>(new LocalOutputFile(file), schema, writer)
        .withConf(new PlainParquetConfiguration())
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .build();
  }

  private static final class Builder<T> extends ParquetWriter.Builder<T, Builder<T>> {
    private final MessageType schema;
    private final RecordWriter<T> writer;

    Builder(LocalOutputFile file, MessageType schema, RecordWriter<T> writer) {
      super(file);
      this.schema = schema;
      this.writer = writer;
    }

    @Override
    protected Builder<T> self() {
      return this;
    }

    @Override
    protected WriteSupport<T> getWriteSupport(Configuration conf) {
      return new Support<>(schema, writer);
    }

    @Override
    protected WriteSupport<T> getWriteSupport(ParquetConfiguration conf) {
      return new Support<>(schema, writer);
    }
  }

  private static final class Support<T> extends WriteSupport<T> {
    private final MessageType schema;
    private final RecordWriter<T> writer;
    private RecordConsumer out;

    Support(MessageType schema, RecordWriter<T> writer) {
      this.schema = schema;
      this.writer = writer;
    }

    @Override
    public WriteContext init(Configuration configuration) {
      return new WriteContext(schema, Map.of());
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
      return new WriteContext(schema, Map.of());
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
      this.out = recordConsumer;
    }

    @Override
    public void write(T record) {
      writer.write(record, out);
    }
  }
}
