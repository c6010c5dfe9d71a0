package dev.streamy.benchmarks;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.List;
import org.junit.Test;

public class ContestantTest {

  @Test
  public void theDefaultListNamesEveryKind() {
    List<Contestant> all = Contestant.list(Contestant.ALL);
    assertEquals(7, all.size());
    assertEquals(Contestant.Kind.BASELINE, all.get(0).kind());
    assertEquals(Contestant.Kind.FLINK_STREAMING, all.get(6).kind());
    assertEquals(2, all.get(6).parallelism());
  }

  @Test
  public void flinkContestantsTakeAnyParallelism() {
    Contestant p4 = Contestant.named("flink-bounded-p4");
    assertEquals(Contestant.Kind.FLINK_BOUNDED, p4.kind());
    assertEquals(4, p4.parallelism());
  }

  @Test
  public void unknownOrRepeatedNamesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> Contestant.list("baseline,spark"));
    assertThrows(IllegalArgumentException.class, () -> Contestant.list("direct,direct"));
    assertThrows(IllegalArgumentException.class, () -> Contestant.list(" , "));
  }
}
