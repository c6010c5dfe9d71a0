package dev.streamy.io;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.Test;

public class PartitionQuotasTest {

  private static Map<TopicPartition, Long> held(long... records) {
    Map<TopicPartition, Long> available = new LinkedHashMap<>();
    for (int p = 0; p < records.length; p++) {
      available.put(new TopicPartition("t", p), records[p]);
    }
    return available;
  }

  private static List<Long> quotas(Map<TopicPartition, Long> available, long total) {
    return List.copyOf(PartitionQuotas.allocate(available, total).values());
  }

  @Test
  public void readsEverythingWhenAskedForExactlyWhatTheTopicHolds() {
    // The skew that stalls an even split: partition 2 holds far fewer than a third.
    assertEquals(List.of(5_000L, 4_900L, 100L), quotas(held(5_000, 4_900, 100), 10_000));
  }

  @Test
  public void levelsSharesWithoutExceedingWhatAPartitionHolds() {
    assertEquals(List.of(40L, 40L, 20L), quotas(held(100, 100, 20), 100));
    assertEquals(List.of(4L, 3L, 3L), quotas(held(10, 10, 10), 10));
    assertEquals(List.of(0L, 7L), quotas(held(0, 50), 7));
  }

  @Test
  public void spreadsWhatTheTopicDoesNotYetHoldEvenly() {
    // 30 held, 36 asked: each partition waits for two more records.
    assertEquals(List.of(12L, 12L, 12L), quotas(held(10, 10, 10), 36));
  }

  @Test
  public void quotasAlwaysSumToTheTotal() {
    for (long total = 1; total < 200; total += 7) {
      long sum = quotas(held(3, 50, 0, 17), total).stream().mapToLong(Long::longValue).sum();
      assertEquals(total, sum);
    }
  }

  @Test
  public void rejectsNothingToRead() {
    assertThrows(IllegalArgumentException.class, () -> PartitionQuotas.allocate(held(1), 0));
    assertThrows(IllegalArgumentException.class, () -> PartitionQuotas.allocate(held(), 5));
  }
}
