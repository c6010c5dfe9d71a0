package dev.streamy.io;

import java.util.List;
import javax.annotation.Nullable;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.joda.time.ReadableInstant;

/**
 * Flat Beam rows (columns of strings, integers, doubles, booleans and date-times, as the contract's
 * event rows and the aggregate rows are) as Parquet records, with the column types Beam's ParquetIO
 * gives them through Avro: strings as UTF-8 binary, {@code DATETIME} as a UTC timestamp in
 * milliseconds, {@code INT32}/{@code INT64} as such, nullable fields optional and the others
 * required, in schema order. {@link FlatRowParquetSink} writes streamy's files with it; the
 * benchmarks' hand-written baseline writes its own files with it too.
 */
public final class RowParquetRecords {

  private enum Kind {
    STRING,
    INT32,
    INT64,
    DOUBLE,
    BOOLEAN,
    TIMESTAMP
  }

  private final MessageType messageType;
  private final String[] names;
  private final Kind[] kinds;

  private RowParquetRecords(MessageType messageType, String[] names, Kind[] kinds) {
    this.messageType = messageType;
    this.names = names;
    this.kinds = kinds;
  }

  /** Whether every column of {@code schema} is of a type written here. */
  public static boolean supports(Schema schema) {
    return schema.getFields().stream().allMatch(f -> kind(f.getType()) != null);
  }

  /** Records of {@code schema}; refuses a schema that {@link #supports} does not take. */
  public static RowParquetRecords of(Schema schema) {
    if (!supports(schema)) {
      throw new IllegalArgumentException("not a flat row schema: " + schema);
    }
    List<Schema.Field> fields = schema.getFields();
    String[] names = new String[fields.size()];
    Kind[] kinds = new Kind[fields.size()];
    Types.MessageTypeBuilder message = Types.buildMessage();
    for (int i = 0; i < fields.size(); i++) {
      Schema.Field field = fields.get(i);
      names[i] = field.getName();
      kinds[i] = kind(field.getType());
      Type.Repetition repetition =
          field.getType().getNullable() ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
      switch (kinds[i]) {
        case STRING:
          message
              .primitive(PrimitiveTypeName.BINARY, repetition)
              .as(LogicalTypeAnnotation.stringType())
              .named(names[i]);
          break;
        case INT32:
          message.primitive(PrimitiveTypeName.INT32, repetition).named(names[i]);
          break;
        case INT64:
          message.primitive(PrimitiveTypeName.INT64, repetition).named(names[i]);
          break;
        case DOUBLE:
          message.primitive(PrimitiveTypeName.DOUBLE, repetition).named(names[i]);
          break;
        case BOOLEAN:
          message.primitive(PrimitiveTypeName.BOOLEAN, repetition).named(names[i]);
          break;
        case TIMESTAMP:
          message
              .primitive(PrimitiveTypeName.INT64, repetition)
              .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MILLIS))
              .named(names[i]);
          break;
      }
    }
    return new RowParquetRecords(message.named("row"), names, kinds);
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

  /** The Parquet schema of the records. */
  public MessageType messageType() {
    return messageType;
  }

  /** One row as one Parquet record: each non-null value into its column. */
  public void write(Row row, RecordConsumer out) {
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
