package dev.streamy.generator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;

import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** The generator's rate limit: evenly spaced sends, never faster than asked. */
public class PacerTest {

  @Test
  public void neverFasterThanTheRate() {
    Pacer pacer = new Pacer(2_000);
    long start = System.nanoTime();
    for (int i = 0; i < 201; i++) {
      pacer.await();
    }
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    // 200 intervals of 0.5 ms; only a lower bound is safe on a busy machine.
    assertThat(elapsedMillis, greaterThanOrEqualTo(99L));
  }

  @Test
  public void zeroMeansUnlimited() {
    Pacer pacer = new Pacer(0);
    long start = System.nanoTime();
    for (int i = 0; i < 100_000; i++) {
      pacer.await();
    }
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), lessThan(5_000L));
  }
}
