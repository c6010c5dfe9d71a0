package dev.streamy.benchmarks;

import dev.streamy.transforms.DeadLetter;
import java.io.IOException;
import java.nio.file.Path;
import javax.annotation.Nullable;
import org.apache.kafka.common.header.Header;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * The baseline's dead-letter file: one Parquet row per failed record, with the columns (names and
 * types) of streamy's dead-letter files, lists as standard 3-level Parquet lists.
 */
final class DeadLetterFile implements ParquetFiles.RecordWriter<FailedRecord>, AutoCloseable {

  static final String PIPELINE = "streamy-baseline";
  static final String VERSION = "0.1.0";

  static final MessageType SCHEMA =
      Types.buildMessage()
          .addField(string("stage", true))
          .addField(string("errorCode", true))
          .addField(string("message", true))
          .addField(
              list(
                  "violations",
                  Types.requiredGroup()
                      .addField(string("path", true))
                      .addField(string("code", true))
                      .addField(string("reason", true))
                      .named("element")))
          .addField(string("stack", false))
          .addField(string("eventId", false))
          .addField(string("topic", true))
          .required(PrimitiveTypeName.INT32)
          .named("partition")
          .required(PrimitiveTypeName.INT64)
          .named("offset")
          .required(PrimitiveTypeName.INT64)
          .as(timestamp())
          .named("timestamp")
          .optional(PrimitiveTypeName.BINARY)
          .named("key")
          .optional(PrimitiveTypeName.BINARY)
          .named("value")
          .addField(
              list(
                  "headers",
                  Types.requiredGroup()
                      .addField(string("key", true))
                      .addField(Types.optional(PrimitiveTypeName.BINARY).named("value"))
                      .named("element")))
          .required(PrimitiveTypeName.INT64)
          .named("valueSize")
          .addField(string("valueSha256", false))
          .required(PrimitiveTypeName.BOOLEAN)
          .named("valueTruncated")
          .addField(string("pipeline", false))
          .addField(string("pipelineVersion", false))
          .required(PrimitiveTypeName.INT64)
          .as(timestamp())
          .named("processingTime")
          .named("dead_letter");

  private final ParquetWriter<FailedRecord> writer;
  private long written;

  DeadLetterFile(Path file) throws IOException {
    this.writer = ParquetFiles.create(file, SCHEMA, this);
  }

  void add(FailedRecord record) throws IOException {
    writer.write(record);
    written++;
  }

  long written() {
    return written;
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }

  @Override
  public void write(FailedRecord record, RecordConsumer out) {
    out.startMessage();
    int field = 0;
    field = text(out, field, "stage", record.stage);
    field = text(out, field, "errorCode", record.code.name());
    field = text(out, field, "message", record.message);
    out.startField("violations", field);
    out.startGroup();
    if (!record.violations.isEmpty()) {
      out.startField("list", 0);
      for (DeadLetter.Violation violation : record.violations) {
        out.startGroup();
        out.startField("element", 0);
        out.startGroup();
        text(out, 0, "path", violation.getPath());
        text(out, 1, "code", violation.getCode());
        text(out, 2, "reason", violation.getReason());
        out.endGroup();
        out.endField("element", 0);
        out.endGroup();
      }
      out.endField("list", 0);
    }
    out.endGroup();
    out.endField("violations", field++);
    field = text(out, field, "stack", record.stack);
    field = text(out, field, "eventId", record.eventId);
    field = text(out, field, "topic", record.source.topic());
    out.startField("partition", field);
    out.addInteger(record.source.partition());
    out.endField("partition", field++);
    field = number(out, field, "offset", record.source.offset());
    field = number(out, field, "timestamp", record.source.timestamp());
    field = bytes(out, field, "key", record.source.key());
    field = bytes(out, field, "value", record.keptValue);
    out.startField("headers", field);
    out.startGroup();
    Header[] headers = record.source.headers().toArray();
    if (headers.length > 0) {
      out.startField("list", 0);
      for (Header header : headers) {
        out.startGroup();
        out.startField("element", 0);
        out.startGroup();
        text(out, 0, "key", header.key());
        bytes(out, 1, "value", header.value());
        out.endGroup();
        out.endField("element", 0);
        out.endGroup();
      }
      out.endField("list", 0);
    }
    out.endGroup();
    out.endField("headers", field++);
    field = number(out, field, "valueSize", record.valueSize);
    field = text(out, field, "valueSha256", record.valueSha256);
    out.startField("valueTruncated", field);
    out.addBoolean(record.valueTruncated);
    out.endField("valueTruncated", field++);
    field = text(out, field, "pipeline", PIPELINE);
    field = text(out, field, "pipelineVersion", VERSION);
    number(out, field, "processingTime", record.processingTime);
    out.endMessage();
  }

  private static int text(RecordConsumer out, int field, String name, @Nullable String value) {
    if (value != null) {
      out.startField(name, field);
      out.addBinary(Binary.fromString(value));
      out.endField(name, field);
    }
    return field + 1;
  }

  private static int bytes(RecordConsumer out, int field, String name, @Nullable byte[] value) {
    if (value != null) {
      out.startField(name, field);
      out.addBinary(Binary.fromConstantByteArray(value));
      out.endField(name, field);
    }
    return field + 1;
  }

  private static int number(RecordConsumer out, int field, String name, long value) {
    out.startField(name, field);
    out.addLong(value);
    out.endField(name, field);
    return field + 1;
  }

  private static org.apache.parquet.schema.Type string(String name, boolean required) {
    return (required
            ? Types.required(PrimitiveTypeName.BINARY)
            : Types.optional(PrimitiveTypeName.BINARY))
        .as(LogicalTypeAnnotation.stringType())
        .named(name);
  }

  private static LogicalTypeAnnotation timestamp() {
    return LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MILLIS);
  }

  /** A required standard list ({@code group (LIST) { repeated group list { element } }}). */
  private static GroupType list(String name, GroupType element) {
    return Types.requiredGroup()
        .as(LogicalTypeAnnotation.listType())
        .addField(Types.repeatedGroup().addField(element).named("list"))
        .named(name);
  }
}
