package dev.streamy.templates;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/** A one-line summary of a finished pipeline's counters. */
final class Counters {

  private Counters() {}

  /** {@code DONE: dead_letters=3, records_read=10}: each counter summed over the steps. */
  static String summary(PipelineResult result) {
    MetricQueryResults metrics = result.metrics().queryMetrics(MetricsFilter.builder().build());
    Map<String, Long> byName = new TreeMap<>();
    for (MetricResult<Long> counter : metrics.getCounters()) {
      byName.merge(counter.getName().getName(), counter.getAttempted(), Long::sum);
    }
    return result.getState()
        + ": "
        + byName.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(", "));
  }
}
