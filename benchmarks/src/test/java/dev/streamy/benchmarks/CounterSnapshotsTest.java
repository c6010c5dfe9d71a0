package dev.streamy.benchmarks;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class CounterSnapshotsTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  public void extrapolatesFromTheLastTwoSnapshotsBelowTheTarget() {
    CounterSnapshots snapshots = new CounterSnapshots();
    snapshots.count(0, 0);
    snapshots.count(10 * SECOND, 1_000);
    snapshots.count(10 * SECOND + 1, 1_000); // the same snapshot seen again
    snapshots.count(20 * SECOND, 3_000);
    snapshots.count(30 * SECOND, 4_000); // read up to 4,000 at 200/s: reached at 25 s
    assertEquals(30 * SECOND, snapshots.observed(4_000));
    assertEquals(25 * SECOND, snapshots.reached(4_000));
  }

  @Test
  public void isNeverLaterThanTheFirstSnapshotAtTheTarget() {
    CounterSnapshots snapshots = new CounterSnapshots();
    snapshots.count(10 * SECOND, 100);
    snapshots.count(20 * SECOND, 200); // 10/s would need 380 s more
    snapshots.count(30 * SECOND, 4_000);
    assertEquals(30 * SECOND, snapshots.reached(4_000));
  }

  @Test
  public void withoutTwoSnapshotsAboveZeroTakesTheObservedMoment() {
    CounterSnapshots snapshots = new CounterSnapshots();
    snapshots.count(5 * SECOND, 0);
    snapshots.count(15 * SECOND, 4_000);
    assertEquals(15 * SECOND, snapshots.reached(4_000));
  }

  @Test
  public void cpuIsInterpolatedBetweenSamples() {
    CounterSnapshots snapshots = new CounterSnapshots();
    snapshots.cpu(0, 10.0);
    snapshots.cpu(10 * SECOND, 20.0);
    snapshots.cpu(20 * SECOND, 40.0);
    assertEquals(10.0, snapshots.cpuAt(-SECOND), 1e-9);
    assertEquals(15.0, snapshots.cpuAt(5 * SECOND), 1e-9);
    assertEquals(30.0, snapshots.cpuAt(15 * SECOND), 1e-9);
    assertEquals(40.0, snapshots.cpuAt(25 * SECOND), 1e-9);
  }
}
