package dev.streamy.generator;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** A weighted random choice over a fixed list. */
final class Weighted<T> {
  private final List<T> items;
  private final double[] cumulative;

  Weighted(List<T> items, List<Double> weights) {
    this.items = List.copyOf(items);
    this.cumulative = new double[items.size()];
    double total = 0;
    for (int i = 0; i < items.size(); i++) {
      total += weights.get(i);
      cumulative[i] = total;
    }
  }

  List<T> items() {
    return items;
  }

  boolean isEmpty() {
    return items.isEmpty();
  }

  T pick(SplittableRandom random) {
    double u = random.nextDouble() * cumulative[cumulative.length - 1];
    int index = Arrays.binarySearch(cumulative, u);
    index = index >= 0 ? index + 1 : -index - 1;
    return items.get(Math.min(index, items.size() - 1));
  }
}
