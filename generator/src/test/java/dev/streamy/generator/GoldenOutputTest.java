package dev.streamy.generator;

import static org.junit.Assert.assertEquals;

import dev.streamy.generator.EventFactory.GeneratedRecord;
import dev.streamy.generator.EventFactory.Kind;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.kafka.common.utils.Utils;
import org.junit.Test;

/**
 * The generator's output, byte for byte: with fixed seeds, shares and clock readings, every
 * record's kind, key, value, headers, event id and expected outcome, the partition Kafka's default
 * partitioner gives its key, and its ledger line hash to a recorded SHA-256. A refactoring that
 * changes any produced byte or the ledger format fails here.
 */
public class GoldenOutputTest {

  private static final Instant START = Instant.parse("2025-05-03T07:46:53Z");
  private static final int PARTITIONS = 3;

  @Test
  public void everyKindWithOversizedAndAMovingClock() throws IOException {
    // 120 ms a record: 3,000 records span six minutes, so the duplicate horizon (60 s) matters.
    Golden golden =
        Golden.of(
            EventFactory.builder().seed(2025).badShare(0.25).duplicateShare(0.05),
            3_000,
            Duration.ofMillis(120));
    assertEquals(GOLDEN_LINES_FIRST, golden.ledger.subList(0, 3));
    assertEquals(GOLDEN_FIRST_OF_KINDS, golden.firstLineOfKinds(Kind.TOMBSTONE, Kind.DUPLICATE));
    assertEquals(GOLDEN_COUNTS, golden.counts.toString());
    assertEquals(golden.describe(), GOLDEN_DIGEST, golden.digest());
  }

  @Test
  public void defaultSharesWithoutOversizedAndAFixedClock() throws IOException {
    Golden golden =
        Golden.of(EventFactory.builder().seed(42).allowOversized(false), 1_500, Duration.ZERO);
    assertEquals(GOLDEN_DEFAULTS_COUNTS, golden.counts.toString());
    assertEquals(golden.describe(), GOLDEN_DEFAULTS_DIGEST, golden.digest());
  }

  // Recorded on the generator before it was split (commit 4a9ea38 plus this test).
  private static final List<String> GOLDEN_LINES_FIRST =
      List.of(
          "{\"partition\":0,\"offset\":0,\"kind\":\"GOOD\",\"expected\":\"EVENT\","
              + "\"eventId\":\"dfa856b9-094b-4523-99e1-8c6c7ee21d01\"}",
          "{\"partition\":2,\"offset\":0,\"kind\":\"GOOD\",\"expected\":\"EVENT\","
              + "\"eventId\":\"5195ebb5-fe26-4b2d-a648-39e0fa5dd352\"}",
          "{\"partition\":2,\"offset\":1,\"kind\":\"GOOD\",\"expected\":\"EVENT\","
              + "\"eventId\":\"4d7a2e04-2677-465b-80fb-aaf11408993c\"}");
  private static final List<String> GOLDEN_FIRST_OF_KINDS =
      List.of(
          "{\"partition\":1,\"offset\":3,\"kind\":\"TOMBSTONE\",\"expected\":\"DLQ:EMPTY_PAYLOAD\","
              + "\"eventId\":null}",
          "{\"partition\":2,\"offset\":2,\"kind\":\"DUPLICATE\",\"expected\":\"DEDUPED\","
              + "\"eventId\":\"5195ebb5-fe26-4b2d-a648-39e0fa5dd352\"}");
  private static final String GOLDEN_COUNTS =
      "{GOOD=2087, DUPLICATE=171, TOMBSTONE=36, EMPTY=35, MALFORMED=36, TRAILING_GARBAGE=35,"
          + " NON_FINITE_NUMBER=35, ROOT_ARRAY=35, ROOT_SCALAR=35, INVALID_UTF8=36, UTF8_BOM=35,"
          + " UTF16=35, GZIP=35, CONFLUENT_WIRE_FORMAT=35, AVRO_CONTAINER=35, OVERSIZED=2,"
          + " DEEP_NESTING=36, DUPLICATE_KEY=35, MISSING_STREAM=35, NULL_ID=35, WRONG_TYPE=35,"
          + " ID_NOT_UUID=35, UNPARSEABLE_TIME=36, FUTURE_TIME=35}";
  private static final String GOLDEN_DIGEST =
      "e7424d9a7670673422965fcda1561dca4f1c0f7c07b317e497c84d27dc6ea908";
  private static final String GOLDEN_DEFAULTS_COUNTS =
      "{GOOD=1413, DUPLICATE=12, TOMBSTONE=4, EMPTY=3, MALFORMED=4, TRAILING_GARBAGE=4,"
          + " NON_FINITE_NUMBER=3, ROOT_ARRAY=3, ROOT_SCALAR=3, INVALID_UTF8=4, UTF8_BOM=4, UTF16=3,"
          + " GZIP=4, CONFLUENT_WIRE_FORMAT=4, AVRO_CONTAINER=4, DEEP_NESTING=3, DUPLICATE_KEY=3,"
          + " MISSING_STREAM=3, NULL_ID=4, WRONG_TYPE=4, ID_NOT_UUID=4, UNPARSEABLE_TIME=4,"
          + " FUTURE_TIME=3}";
  private static final String GOLDEN_DEFAULTS_DIGEST =
      "4a9c93a9957b801cfc1932bb462a085706936a4690b0bab7413999e793e91c5e";

  /** One generated run, digested as the producer and the ledger would see it. */
  private static final class Golden {
    final List<String> ledger = new ArrayList<>();
    final Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
    private final List<GeneratedRecord> records = new ArrayList<>();
    private final MessageDigest all = sha256();
    private final Map<Kind, MessageDigest> byKind = new EnumMap<>(Kind.class);

    static Golden of(EventFactory.Builder builder, int count, Duration step) throws IOException {
      Instant[] now = {START};
      EventFactory factory = builder.clock(new SteppedClock(now)).build();
      Golden golden = new Golden();
      long[] offsets = new long[PARTITIONS];
      for (int i = 0; i < count; i++) {
        now[0] = START.plus(step.multipliedBy(i));
        GeneratedRecord record = factory.next();
        int partition = partition(record.key(), i);
        String line =
            Ledger.Entry.of(partition, offsets[partition]++, record.kind(), record.eventId())
                .toJson();
        golden.add(record, partition, line);
      }
      return golden;
    }

    /**
     * The partition Kafka's default partitioner gives a keyed record (murmur2 of the key); records
     * without a key go to its sticky partitioner, stood in for here by round robin.
     */
    private static int partition(@Nullable byte[] key, int index) {
      return key == null ? index % PARTITIONS : Utils.toPositive(Utils.murmur2(key)) % PARTITIONS;
    }

    private void add(GeneratedRecord record, int partition, String line) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeUTF(record.kind().name());
      out.writeUTF(record.expected().toString());
      out.writeUTF(String.valueOf(record.eventId()));
      writeBytes(out, record.key());
      writeBytes(out, record.value());
      out.writeInt(record.headers().size());
      for (Map.Entry<String, byte[]> header : record.headers().entrySet()) {
        out.writeUTF(header.getKey());
        writeBytes(out, header.getValue());
      }
      out.writeInt(partition);
      writeBytes(out, line.getBytes(StandardCharsets.UTF_8));
      out.flush();
      all.update(bytes.toByteArray());
      byKind.computeIfAbsent(record.kind(), k -> sha256()).update(bytes.toByteArray());
      counts.merge(record.kind(), 1, Integer::sum);
      records.add(record);
      ledger.add(line);
    }

    String digest() {
      return HexFormat.of().formatHex(all.digest());
    }

    List<String> firstLineOfKinds(Kind... kinds) {
      List<String> lines = new ArrayList<>();
      for (Kind kind : kinds) {
        for (int i = 0; i < records.size(); i++) {
          if (records.get(i).kind() == kind) {
            lines.add(ledger.get(i));
            break;
          }
        }
      }
      return lines;
    }

    /** Digests by kind, to tell which kind of record changed when the whole digest does. */
    String describe() {
      StringBuilder text = new StringBuilder("digests by kind:");
      byKind.forEach(
          (kind, digest) -> {
            try {
              MessageDigest copy = (MessageDigest) digest.clone();
              text.append("\n  ").append(kind).append(' ');
              text.append(HexFormat.of().formatHex(copy.digest()));
            } catch (CloneNotSupportedException e) {
              throw new AssertionError(e);
            }
          });
      return text.toString();
    }

    private static void writeBytes(DataOutputStream out, @Nullable byte[] value)
        throws IOException {
      if (value == null) {
        out.writeInt(-1);
      } else {
        out.writeInt(value.length);
        out.write(value);
      }
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** A clock that reads what the test last set. */
  private static final class SteppedClock extends Clock {
    private final Instant[] now;

    SteppedClock(Instant[] now) {
      this.now = now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now[0];
    }
  }
}
