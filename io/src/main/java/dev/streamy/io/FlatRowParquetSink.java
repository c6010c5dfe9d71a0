package dev.streamy.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.List;
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
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.joda.time.ReadableInstant;

/**
 * Writes flat Beam rows (columns of strings, integers, doubles, booleans and date-times, as the
 * contract's event rows and the aggregate rows are) straight into Parquet with parquet-hadoop's
 * {@link WriteSupport}, without an Avro record per row in between.
 *
 * <p>The files are what {@code ParquetIO.sink} writes for the same rows through Avro: strings as
 * UTF-8 binary, {@code DATETIME} as a UTC timestamp in milliseconds, {@code INT32}/{@code INT64} as
 * such, nullable fields optional and the others required, in schema order, Snappy-compressed. Only
 * the Avro schema that parquet-avro adds to the file's metadata is missing. Rows with nested or
 * other types (the dead letters) still go through {@code ParquetIO}; see {@link #supports(Schema)}.
 */
final class FlatRowParquetSink implements FileIO.Sink<Row> {

  private enum Kind {
    STRING,
    INT32,
    INT64,
    DOUBLE,
    BOOLEAN,
    TIMESTAMP
  }

  private final Schema schema;
  private transient @Nullable ParquetWriter<Row> writer;

  FlatRowParquetSink(Schema schema) {
    if (!supports(schema)) {
      throw new IllegalArgumentException("not a flat row schema: " + schema);
    }
    this.schema = schema;
  }

  /** Whether every column of {@code schema} is of a type this sink writes. */
  static boolean supports(Schema schema) {
    return schema.getFields().stream().allMatch(f -> kind(f.getType()) != null);
  }

  private static @Nullable Kind kind(Schema.FieldType type) {
    switch (type.getTypeName()) {
      case STRING:
        return Kind.STRING;
      case INT32:
        return Kind.INT32;
      case INT64:
        return Kind.INT64;
      case DOUBLE:
        return Kind.DOUBLE;
      case BOOLEAN:
        return Kind.BOOLEAN;
      case DATETIME:
        return Kind.TIMESTAMP;
      default:
        return null;
    }
  }

  /** The Parquet schema of the rows, as parquet-avro derives it from Beam's Avro schema. */
  static MessageType messageType(Schema schema) {
    Types.MessageTypeBuilder message = Types.buildMessage();
    for (Schema.Field field : schema.getFields()) {
      Type.Repetition repetition =
          field.getType().getNullable() ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
      switch (kind(field.getType())) {
        case STRING:
          message
              .primitive(PrimitiveTypeName.BINARY, repetition)
              .as(LogicalTypeAnnotation.stringType())
              .named(field.getName());
          break;
        case INT32:
          message.primitive(PrimitiveTypeName.INT32, repetition).named(field.getName());
          break;
        case INT64:
          message.primitive(PrimitiveTypeName.INT64, repetition).named(field.getName());
          break;
        case DOUBLE:
          message.primitive(PrimitiveTypeName.DOUBLE, repetition).named(field.getName());
          break;
        case BOOLEAN:
          message.primitive(PrimitiveTypeName.BOOLEAN, repetition).named(field.getName());
          break;
        case TIMESTAMP:
          message
              .primitive(PrimitiveTypeName.INT64, repetition)
              .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MILLIS))
              .named(field.getName());
          break;
      }
    }
    return message.named("row");
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

  /** One row as one Parquet record: each non-null value into its column. */
  private static final class RowWriteSupport extends WriteSupport<Row> {
    private final MessageType messageType;
    private final String[] names;
    private final Kind[] kinds;
    private @Nullable RecordConsumer out;

    RowWriteSupport(Schema schema) {
      this.messageType = messageType(schema);
      List<Schema.Field> fields = schema.getFields();
      this.names = new String[fields.size()];
      this.kinds = new Kind[fields.size()];
      for (int i = 0; i < fields.size(); i++) {
        names[i] = fields.get(i).getName();
        kinds[i] = kind(fields.get(i).getType());
      }
    }

    @Override
    public WriteContext init(Configuration configuration) {
      return new WriteContext(messageType, Map.of());
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
      return new WriteContext(messageType, Map.of());
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
      this.out = recordConsumer;
    }

    @Override
    public void write(Row row) {
      RecordConsumer out = this.out;
      out.startMessage();
      for (int i = 0; i < names.length; i++) {
        Object value = row.getValue(i);
        if (value == null) {
          continue; // an optional column's null; required columns are never null in a valid row
        }
        out.startField(names[i], i);
        switch (kinds[i]) {
          case STRING:
            out.addBinary(Binary.fromString((String) value));
            break;
          case INT32:
            out.addInteger((Integer) value);
            break;
          case INT64:
            out.addLong((Long) value);
            break;
          case DOUBLE:
            out.addDouble((Double) value);
            break;
          case BOOLEAN:
            out.addBoolean((Boolean) value);
            break;
          case TIMESTAMP:
            out.addLong(((ReadableInstant) value).getMillis());
            break;
        }
        out.endField(names[i], i);
      }
      out.endMessage();
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
