package dev.streamy.generator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;

/**
 * A good event wrapped in another binary format ({@code WRONG_FORMAT}): {@link
 * EventFactory.Kind#GZIP}, {@link EventFactory.Kind#CONFLUENT_WIRE_FORMAT} and {@link
 * EventFactory.Kind#AVRO_CONTAINER}.
 */
final class WrongFormats {

  /** The schema of the Avro record: the event's JSON text as one string field. */
  static final Schema AVRO_SCHEMA =
      SchemaBuilder.record("RecentChange")
          .namespace("org.wikimedia")
          .fields()
          .requiredString("json")
          .endRecord();

  private WrongFormats() {}

  /** The gzip bytes of the event. */
  static byte[] gzip(Draft draft) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(draft.json());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * The event behind Confluent's schema-registry framing: magic byte 0, then a schema id as a
   * big-endian int.
   */
  static byte[] confluentWireFormat(Draft draft, SplittableRandom random) {
    byte[] value = draft.json();
    return ByteBuffer.allocate(5 + value.length)
        .put((byte) 0)
        .putInt(1 + random.nextInt(100_000))
        .put(value)
        .array();
  }

  /**
   * An Avro object container file, written by Avro's own {@link DataFileWriter}, with one record
   * {@code {json: <event text>}}. The sync marker comes from the seed, so the bytes do too.
   */
  static byte[] avroContainer(Draft draft, SplittableRandom random) {
    byte[] sync = new byte[16];
    for (int i = 0; i < sync.length; i++) {
      sync[i] = (byte) random.nextInt(256);
    }
    GenericRecord record = new GenericData.Record(AVRO_SCHEMA);
    record.put("json", draft.text());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DataFileWriter<GenericRecord> writer =
        new DataFileWriter<>(new GenericDatumWriter<>(AVRO_SCHEMA))) {
      // Named although "null" is the default: readers that expect the key find it.
      writer.setCodec(CodecFactory.nullCodec());
      writer.create(AVRO_SCHEMA, out, sync);
      writer.append(record);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
