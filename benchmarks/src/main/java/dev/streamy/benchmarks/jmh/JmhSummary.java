package dev.streamy.benchmarks.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Prints JMH's JSON results ({@code -rf json}) as one line per benchmark with both operations per
 * second and microseconds per operation, whichever mode JMH measured in.
 */
public final class JmhSummary {

  private JmhSummary() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: JmhSummary <jmh-result.json>");
      System.exit(2);
    }
    JsonNode results = new ObjectMapper().readTree(Path.of(args[0]).toFile());
    System.out.printf(
        Locale.ROOT, "%n%-52s %14s %10s %12s%n", "benchmark", "ops/s", "error %", "us/op");
    for (JsonNode result : results) {
      String name = result.path("benchmark").asText().replace("dev.streamy.benchmarks.jmh.", "");
      JsonNode metric = result.path("primaryMetric");
      double score = metric.path("score").asDouble();
      double error = metric.path("scoreError").asDouble();
      String unit = metric.path("scoreUnit").asText();
      double opsPerSecond = opsPerSecond(score, unit);
      double errorPercent = score > 0 && Double.isFinite(error) ? 100 * error / score : Double.NaN;
      System.out.printf(
          Locale.ROOT,
          "%-52s %,14.0f %10s %12.3f%n",
          name,
          opsPerSecond,
          Double.isNaN(errorPercent) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", errorPercent),
          opsPerSecond > 0 ? 1e6 / opsPerSecond : Double.NaN);
    }
  }

  /** A JMH score in its unit ({@code ops/s}, {@code ops/ms}, {@code us/op}, ...) as ops/s. */
  static double opsPerSecond(double score, String unit) {
    String[] parts = unit.split("/");
    if (parts.length != 2) {
      return Double.NaN;
    }
    if (parts[0].equals("ops")) {
      return score / seconds(parts[1]);
    }
    return score > 0 ? 1 / (score * seconds(parts[0])) : Double.NaN;
  }

  private static double seconds(String unit) {
    switch (unit) {
      case "ns":
        return 1e-9;
      case "us":
        return 1e-6;
      case "ms":
        return 1e-3;
      case "s":
        return 1;
      case "min":
        return 60;
      default:
        return Double.NaN;
    }
  }
}
