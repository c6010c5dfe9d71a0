package dev.streamy.runners;

import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.StreamyCounters;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import javax.annotation.Nullable;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.GaugeResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * The counters of a pipeline running in this JVM (the DirectRunner), for Prometheus: an HTTP {@code
 * /metrics} endpoint (Prometheus' own Java client) that queries the run's Beam metrics at each
 * scrape. On Flink, Flink's Prometheus reporter serves the same counters.
 *
 * <ul>
 *   <li>{@code streamy_<counter>_total} for each of streamy's counters ({@code records_read},
 *       {@code events_valid}, {@code duplicates_removed}, {@code events_windowed}, {@code
 *       dlq_records_sent}, {@code iceberg_commits}, ...), summed over the steps;
 *   <li>{@code streamy_dead_letters_total{code="..."}}, one series per error code;
 *   <li>{@code streamy_parquet_rows_written_total}, {@code streamy_parquet_files_published_total},
 *       {@code streamy_iceberg_rows_written_total}, {@code streamy_iceberg_files_written_total};
 *   <li>{@code streamy_iceberg_seconds_since_last_commit{table="..."}} per table committed to;
 *   <li>{@code streamy_input_lag_records}: the records of the input topic the run has not read.
 * </ul>
 */
final class MetricsEndpoint implements AutoCloseable {

  /** Beam namespaces of the sinks' counters, and the prefix their names get here. */
  private static final Map<String, String> SINK_NAMESPACES =
      Map.of(
          "dev.streamy.io.WriteParquet", "parquet_",
          "dev.streamy.io.WriteIceberg", "iceberg_");

  private final HTTPServer server;

  private MetricsEndpoint(HTTPServer server) {
    this.server = server;
  }

  /**
   * Serves {@code result}'s metrics on {@code port} (0: any free port) of every interface until
   * closed; {@code lag} gives the input lag, or -1 when unknown.
   */
  static MetricsEndpoint start(int port, PipelineResult result, @Nullable LongSupplier lag)
      throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register((MultiCollector) () -> snapshots(result, lag));
    return new MetricsEndpoint(HTTPServer.builder().port(port).registry(registry).buildAndStart());
  }

  int port() {
    return server.getPort();
  }

  /** The Prometheus names and values of {@code result}'s metrics now. */
  static MetricSnapshots snapshots(PipelineResult result, @Nullable LongSupplier lag) {
    MetricQueryResults metrics = result.metrics().queryMetrics(MetricsFilter.builder().build());
    Map<String, Long> counters = new TreeMap<>();
    for (MetricResult<Long> counter : metrics.getCounters()) {
      String namespace = counter.getName().getNamespace();
      String name = counter.getName().getName();
      if (namespace.equals(StreamyCounters.NAMESPACE)) {
        counters.merge(name, counter.getAttempted(), Long::sum);
      } else if (SINK_NAMESPACES.containsKey(namespace)) {
        counters.merge(SINK_NAMESPACES.get(namespace) + name, counter.getAttempted(), Long::sum);
      }
    }
    Map<ErrorCode, Long> deadLetters = StreamyCounters.deadLettersByCode(counters);
    deadLetters.keySet().forEach(code -> counters.remove(StreamyCounters.deadLetters(code)));
    List<MetricSnapshot> out = new ArrayList<>();
    counters.forEach(
        (name, value) ->
            out.add(
                CounterSnapshot.builder()
                    .name("streamy_" + name)
                    .help("streamy counter " + name + ", summed over the pipeline's steps")
                    .dataPoint(
                        CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build())
                    .build()));
    CounterSnapshot.Builder byCode =
        CounterSnapshot.builder().name("streamy_dead_letters").help("Dead letters by error code");
    for (ErrorCode code : ErrorCode.values()) {
      byCode.dataPoint(
          CounterSnapshot.CounterDataPointSnapshot.builder()
              .labels(Labels.of("code", code.name()))
              .value(deadLetters.getOrDefault(code, 0L))
              .build());
    }
    out.add(byCode.build());
    GaugeSnapshot.Builder sinceCommit =
        GaugeSnapshot.builder()
            .name("streamy_iceberg_seconds_since_last_commit")
            .help("Seconds since the last Iceberg commit, per table");
    boolean anyCommit = false;
    long now = System.currentTimeMillis();
    for (MetricResult<GaugeResult> gauge : metrics.getGauges()) {
      String name = gauge.getName().getName();
      if (gauge.getName().getNamespace().equals(StreamyCounters.NAMESPACE)
          && name.startsWith(StreamyCounters.ICEBERG_LAST_COMMIT_PREFIX)
          && gauge.getAttempted().getValue() > 0) {
        anyCommit = true;
        sinceCommit.dataPoint(
            GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(
                    Labels.of(
                        "table",
                        name.substring(StreamyCounters.ICEBERG_LAST_COMMIT_PREFIX.length())))
                .value((now - gauge.getAttempted().getValue()) / 1000.0)
                .build());
      }
    }
    if (anyCommit) {
      out.add(sinceCommit.build());
    }
    long behind = lag == null ? -1 : lag.getAsLong();
    if (behind >= 0) {
      out.add(
          GaugeSnapshot.builder()
              .name("streamy_input_lag_records")
              .help("Records of the input topic the run has not read yet")
              .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(behind).build())
              .build());
    }
    return new MetricSnapshots(out);
  }

  @Override
  public void close() {
    server.close();
  }
}
