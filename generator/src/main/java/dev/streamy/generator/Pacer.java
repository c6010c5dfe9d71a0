package dev.streamy.generator;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Spaces sends evenly at {@code rate} per second, catching up at most one second of backlog. */
final class Pacer {
  private final long intervalNanos;
  private long next;

  /** A pacer for {@code rate} records per second; 0 or less: no limit. */
  Pacer(double rate) {
    this.intervalNanos = rate <= 0 ? 0 : (long) (1e9 / rate);
    this.next = System.nanoTime();
  }

  /** Returns when the next send is due. */
  void await() {
    if (intervalNanos == 0) {
      return;
    }
    long now = System.nanoTime();
    while (next - now > 0) {
      LockSupport.parkNanos(next - now);
      now = System.nanoTime();
    }
    next = Math.max(next, now - TimeUnit.SECONDS.toNanos(1)) + intervalNanos;
  }
}
