package dev.streamy.benchmarks;

import static org.junit.Assert.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.Test;

public class ReadPlanTest {

  private static final TopicPartition P0 = new TopicPartition("t", 0);
  private static final TopicPartition P1 = new TopicPartition("t", 1);

  private static Map<TopicPartition, Long> held(long p0, long p1) {
    Map<TopicPartition, Long> held = new LinkedHashMap<>();
    held.put(P0, p0);
    held.put(P1, p1);
    return held;
  }

  @Test
  public void readingWhatTheTopicHoldsTakesEveryPartitionWhole() {
    assertEquals(held(1_300, 700), ReadPlan.quotas(held(1_300, 700), 2_000));
  }

  @Test
  public void aSmallPartitionGivesItsShareToTheOthers() {
    assertEquals(held(900, 100), ReadPlan.quotas(held(5_000, 100), 1_000));
  }

  @Test
  public void fewerRecordsThanAskedForSpreadsTheShortfallEvenly() {
    assertEquals(held(15, 15), ReadPlan.quotas(held(10, 10), 30));
  }
}
