package dev.streamy.benchmarks;

import java.util.List;
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
 * Flat Beam rows (the contract's event rows, the aggregate rows) as Parquet records, with the types
 * Beam's ParquetIO gives them through Avro: strings as UTF-8, DATETIME as a UTC timestamp in
 * milliseconds, nullable fields optional.
 */
final class RowParquet implements ParquetFiles.RecordWriter<Row> {

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

  private RowParquet(MessageType messageType, String[] names, Kind[] kinds) {
    this.messageType = messageType;
    this.names = names;
    this.kinds = kinds;
  }

  /** Writes rows of {@code schema}; fails for a field type a contract never produces. */
  static RowParquet of(String name, Schema schema) {
    List<Schema.Field> fields = schema.getFields();
    String[] names = new String[fields.size()];
    Kind[] kinds = new Kind[fields.size()];
    Types.MessageTypeBuilder message = Types.buildMessage();
    for (int i = 0; i < fields.size(); i++) {
      Schema.Field field = fields.get(i);
      names[i] = field.getName();
      Type.Repetition repetition =
          field.getType().getNullable() ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
      switch (field.getType().getTypeName()) {
        case STRING:
          kinds[i] = Kind.STRING;
          message
              .primitive(PrimitiveTypeName.BINARY, repetition)
              .as(LogicalTypeAnnotation.stringType())
              .named(names[i]);
          break;
        case INT32:
          kinds[i] = Kind.INT32;
          message.primitive(PrimitiveTypeName.INT32, repetition).named(names[i]);
          break;
        case INT64:
          kinds[i] = Kind.INT64;
          message.primitive(PrimitiveTypeName.INT64, repetition).named(names[i]);
          break;
        case DOUBLE:
          kinds[i] = Kind.DOUBLE;
          message.primitive(PrimitiveTypeName.DOUBLE, repetition).named(names[i]);
          break;
        case BOOLEAN:
          kinds[i] = Kind.BOOLEAN;
          message.primitive(PrimitiveTypeName.BOOLEAN, repetition).named(names[i]);
          break;
        case DATETIME:
          kinds[i] = Kind.TIMESTAMP;
          message
              .primitive(PrimitiveTypeName.INT64, repetition)
              .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MILLIS))
              .named(names[i]);
          break;
        default:
          throw new IllegalArgumentException(
              "no Parquet mapping for " + field.getName() + " of type " + field.getType());
      }
    }
    return new RowParquet(message.named(name), names, kinds);
  }

  MessageType messageType() {
    return messageType;
  }

  @Override
  public void write(Row row, RecordConsumer out) {
    out.startMessage();
    for (int i = 0; i < names.length; i++) {
      Object value = row.getValue(i);
      if (value == null) {
        continue;
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
