package dev.streamy.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.TreeMap;

/**
 * streamy's counters of a Flink job from the REST API's task metrics. Beam's FlinkRunner reports
 * each Beam counter as a Flink metric of its operator named {@code <step>.<namespace>_<name>} (e.g.
 * {@code ParseEvents/Parse.streamy_records_read}); {@code GET
 * /jobs/<id>/vertices/<vertex>/subtasks/metrics?get=...&agg=sum} sums it over the subtasks. The
 * JobManager fetches task metrics at most every 10 s ({@code metrics.fetcher.update-interval}), so
 * the values are snapshots up to that old.
 */
final class FlinkCounters {

  private FlinkCounters() {}

  /** Whether a metric id of a vertex is one of {@code namespace}'s counters. */
  static boolean isCounter(String metricId, String namespace) {
    return metricId.contains("." + namespace + "_");
  }

  /**
   * Adds the counters of one answer to {@code ...subtasks/metrics?get=...&agg=sum} to {@code
   * counters}, by counter name, summed over the steps that count it.
   */
  static void add(JsonNode answer, String namespace, Map<String, Long> counters) {
    String marker = "." + namespace + "_";
    for (JsonNode metric : answer) {
      String id = metric.path("id").asText();
      int at = id.lastIndexOf(marker);
      if (at >= 0 && metric.has("sum")) {
        counters.merge(
            id.substring(at + marker.length()),
            Math.round(metric.path("sum").asDouble()),
            Long::sum);
      }
    }
  }

  /** An empty, sorted counter map. */
  static Map<String, Long> none() {
    return new TreeMap<>();
  }
}
