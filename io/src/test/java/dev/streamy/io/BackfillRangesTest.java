package dev.streamy.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.Test;

/** A backfill's start and end become one offset range per partition, or one clear error. */
public class BackfillRangesTest {

  private static MockConsumer<byte[], byte[]> topic() {
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
    Node node = new Node(0, "localhost", 9092);
    List<PartitionInfo> partitions = new java.util.ArrayList<>();
    for (int p = 0; p < 3; p++) {
      partitions.add(new PartitionInfo("wiki", p, node, new Node[] {node}, new Node[] {node}));
    }
    consumer.updatePartitions("wiki", partitions);
    consumer.updateBeginningOffsets(Map.of(tp(0), 0L, tp(1), 10L, tp(2), 0L));
    consumer.updateEndOffsets(Map.of(tp(0), 500L, tp(1), 300L, tp(2), 0L));
    return consumer;
  }

  private static TopicPartition tp(int partition) {
    return new TopicPartition("wiki", partition);
  }

  private static List<OffsetRange> resolve(String start, String end) {
    return BackfillRanges.resolve(
        topic(),
        "wiki",
        start == null ? null : KafkaPosition.parseOffsets("--startOffsets", start),
        end == null ? null : KafkaPosition.parseOffsets("--endOffsets", end));
  }

  @Test
  public void noStartOrEndIsTheWholeLogOfEveryPartition() {
    assertEquals(
        List.of(
            OffsetRange.of("wiki", 0, 0, 500),
            OffsetRange.of("wiki", 1, 10, 300),
            OffsetRange.of("wiki", 2, 0, 0)),
        resolve(null, null));
  }

  @Test
  public void startOffsetsReadExactlyThePartitionsTheyNameToTheLogEnd() {
    assertEquals(
        List.of(OffsetRange.of("wiki", 0, 100, 500), OffsetRange.of("wiki", 1, 250, 300)),
        resolve("0:100,1:250", null));
  }

  @Test
  public void endOffsetsAloneStartAtTheLogStartAndAreExclusive() {
    assertEquals(List.of(OffsetRange.of("wiki", 1, 10, 20)), resolve(null, "1:20"));
    assertEquals(List.of(OffsetRange.of("wiki", 0, 7, 7)), resolve("0:7", "0:7"));
  }

  @Test
  public void offsetsOutsideTheLogFailNamingThePartitionAndTheValidRange() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> resolve("0:100,1:5", null));
    assertThat(
        e.getMessage(),
        containsString("--startOffsets: offset 5 of partition 1 is outside the log"));
    assertThat(e.getMessage(), containsString("[10, 300]"));
    e = assertThrows(IllegalArgumentException.class, () -> resolve(null, "0:501"));
    assertThat(e.getMessage(), containsString("--endOffsets: offset 501 of partition 0"));
    assertThat(e.getMessage(), containsString("[0, 500]"));
  }

  @Test
  public void unknownPartitionsMismatchedPartitionsAndBackwardRangesAreRefused() {
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> resolve("7:0", null)).getMessage(),
        containsString("--startOffsets: topic wiki has no partition 7 (it has [0, 1, 2])"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> resolve("0:1,1:20", "0:9")).getMessage(),
        containsString("--startOffsets and --endOffsets must name the same partitions"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> resolve("0:90", "0:80")).getMessage(),
        containsString("--endOffsets: partition 0 ends at 80, before its start 90"));
  }

  @Test
  public void gapsAreTheRangesWithoutWhatIsLanded() {
    List<OffsetRange> ranges =
        List.of(OffsetRange.of("wiki", 0, 100, 110), OffsetRange.of("wiki", 1, 0, 3));
    LandedRecords landed = LandedRecords.none(ranges);
    for (long offset : new long[] {100, 101, 104, 109, 99, 110}) {
      landed.add("wiki", 0, offset);
    }
    landed.add("wiki", 1, 0);
    landed.add("wiki", 1, 1);
    landed.add("wiki", 1, 2);
    landed.add("other", 0, 105);
    assertEquals(7, landed.landedCount());
    assertEquals(
        List.of(OffsetRange.of("wiki", 0, 102, 104), OffsetRange.of("wiki", 0, 105, 109)),
        landed.gaps());
    assertEquals(
        List.of(OffsetRange.of("wiki", 0, 100, 110), OffsetRange.of("wiki", 1, 0, 3)),
        LandedRecords.none(ranges).gaps());
  }
}
