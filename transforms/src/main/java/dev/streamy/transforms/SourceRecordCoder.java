package dev.streamy.transforms;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.util.VarInt;
import org.joda.time.Instant;

/**
 * The coder of {@link SourceRecord}s between steps: topic, partition, offset and timestamp as
 * variable-length numbers, then key, value and headers as length-prefixed bytes (-1 for null).
 * Every valid event carries its record to the end of the pipeline, so this is on the hot path; the
 * schema coder it replaces went through a generic row per record.
 *
 * <p>Deterministic: equal records encode to equal bytes.
 */
final class SourceRecordCoder extends AtomicCoder<SourceRecord> {

  private static final SourceRecordCoder INSTANCE = new SourceRecordCoder();
  private static final StringUtf8Coder STRINGS = StringUtf8Coder.of();

  static SourceRecordCoder of() {
    return INSTANCE;
  }

  private SourceRecordCoder() {}

  @Override
  public void encode(SourceRecord record, OutputStream out) throws IOException {
    STRINGS.encode(record.getTopic(), out);
    VarInt.encode(record.getPartition(), out);
    VarInt.encode(record.getOffset(), out);
    VarInt.encode(record.getTimestamp().getMillis(), out);
    writeBytes(record.getKey(), out);
    writeBytes(record.getValue(), out);
    List<SourceRecord.Header> headers = record.getHeaders();
    VarInt.encode(headers.size(), out);
    for (SourceRecord.Header header : headers) {
      STRINGS.encode(header.getKey(), out);
      writeBytes(header.getValue(), out);
    }
  }

  @Override
  public SourceRecord decode(InputStream in) throws IOException {
    String topic = STRINGS.decode(in);
    int partition = VarInt.decodeInt(in);
    long offset = VarInt.decodeLong(in);
    Instant timestamp = new Instant(VarInt.decodeLong(in));
    byte[] key = readBytes(in);
    byte[] value = readBytes(in);
    int count = VarInt.decodeInt(in);
    if (count < 0) {
      throw new CoderException("negative header count " + count);
    }
    List<SourceRecord.Header> headers = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      headers.add(SourceRecord.Header.create(STRINGS.decode(in), readBytes(in)));
    }
    return SourceRecord.create(topic, partition, offset, timestamp, key, value, headers);
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true; // AutoValue compares the byte arrays by content
  }

  private static void writeBytes(@Nullable byte[] bytes, OutputStream out) throws IOException {
    if (bytes == null) {
      VarInt.encode(-1, out);
      return;
    }
    VarInt.encode(bytes.length, out);
    out.write(bytes);
  }

  private static @Nullable byte[] readBytes(InputStream in) throws IOException {
    int length = VarInt.decodeInt(in);
    if (length < 0) {
      return null;
    }
    byte[] bytes = new byte[length];
    new DataInputStream(in).readFully(bytes);
    return bytes;
  }
}
