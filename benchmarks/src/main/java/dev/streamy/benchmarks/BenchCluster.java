package dev.streamy.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamy.runners.LocalFlinkCluster;
import dev.streamy.transforms.StreamyCounters;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The local Flink session cluster the Flink contestants run on, started and stopped through {@code
 * ./streamy flink-cluster} in a folder of the harness's own: its JobManager and TaskManager pids
 * (for CPU and memory from {@code /proc}) and its jobs and counters (from the REST API).
 */
final class BenchCluster implements AutoCloseable {

  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);

  private final Streamy streamy;
  private final Path dir;
  private final LocalFlinkCluster cluster;
  private final Thread shutdownHook;

  private BenchCluster(Streamy streamy, Path dir, LocalFlinkCluster cluster) {
    this.streamy = streamy;
    this.dir = dir;
    this.cluster = cluster;
    // The cluster's JVMs are detached: an interrupted harness must not leave them running.
    this.shutdownHook = new Thread(this::stopNow, "bench-flink-cluster-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  private void stopNow() {
    try {
      LocalFlinkCluster.stop(dir, System.out);
    } catch (IOException | RuntimeException e) {
      System.err.println("bench: could not stop the Flink cluster in " + dir + ": " + e);
    }
  }

  /** Starts the cluster in {@code dir} with {@code ./streamy flink-cluster start}. */
  static BenchCluster start(Streamy streamy, Path dir, Path log)
      throws IOException, InterruptedException {
    int exit = streamy.run(List.of("flink-cluster", "start", "--dir=" + dir), log, COMMAND_TIMEOUT);
    Optional<LocalFlinkCluster> running = LocalFlinkCluster.running(dir);
    if (exit != 0 || running.isEmpty()) {
      throw new IllegalStateException(
          "./streamy flink-cluster start failed (exit " + exit + "); see " + log);
    }
    return new BenchCluster(streamy, dir, running.get());
  }

  String restUrl() {
    return cluster.restUrl();
  }

  /** The pids of the JobManager and every TaskManager, from the cluster's pid files. */
  List<Long> pids() throws IOException {
    List<Long> pids = new ArrayList<>();
    Path folder = dir.resolve("pids");
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : (Iterable<Path>) files.sorted()::iterator) {
        if (file.getFileName().toString().endsWith(".pid")) {
          pids.add(Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim()));
        }
      }
    }
    return pids;
  }

  /**
   * CPU seconds used so far by the cluster's running JVMs together (a JVM that died takes its
   * seconds with it; the run it died in fails its check anyway).
   */
  double cpuSeconds() throws IOException {
    double total = 0;
    for (long pid : pids()) {
      OptionalDouble cpu = ProcStat.cpuSeconds(pid);
      total += cpu.orElse(0);
    }
    return total;
  }

  /**
   * Resets the cluster JVMs' peak memory so the next {@link #peakRssKib} is one run's.
   *
   * @return whether every JVM's peak could be reset
   */
  boolean resetPeakRss() throws IOException {
    boolean all = true;
    for (long pid : pids()) {
      all &= ProcStat.resetPeakRss(pid);
    }
    return all;
  }

  /** The peak resident memory of the cluster's JVMs, added up, in KiB. */
  long peakRssKib() throws IOException {
    long total = 0;
    for (long pid : pids()) {
      OptionalLong rss = ProcStat.peakRssKib(pid);
      total += rss.orElse(0);
    }
    return total;
  }

  /** The id of the job called {@code name}, if the cluster has one. */
  Optional<String> jobNamed(String name) throws IOException {
    for (JsonNode job : cluster.get("/jobs/overview").path("jobs")) {
      if (job.path("name").asText().equals(name)) {
        return Optional.of(job.path("jid").asText());
      }
    }
    return Optional.empty();
  }

  String state(String jobId) throws IOException {
    return cluster.get("/jobs/" + jobId).path("state").asText();
  }

  /** The heap used by the TaskManager that uses most, in bytes, as its last metric says. */
  long largestTaskManagerHeapUsed() throws IOException {
    long largest = 0;
    for (JsonNode taskManager : cluster.get("/taskmanagers").path("taskmanagers")) {
      String id = taskManager.path("id").asText();
      for (JsonNode metric :
          cluster.get("/taskmanagers/" + id + "/metrics?get=Status.JVM.Memory.Heap.Used")) {
        largest = Math.max(largest, metric.path("value").asLong());
      }
    }
    return largest;
  }

  /**
   * The size of the job's checkpoints: the largest and the latest completed, and the latest one's
   * state per operator chain (the biggest first, each chain named by its first step), e.g. {@code
   * latest checkpoint 12.3 MB (dedupe 11.0 MB, ...)}.
   */
  String checkpointSizes(String jobId) throws IOException {
    JsonNode checkpoints = cluster.get("/jobs/" + jobId + "/checkpoints");
    JsonNode latest = checkpoints.path("latest").path("completed");
    if (latest.isMissingNode() || latest.isNull()) {
      return "no checkpoint completed";
    }
    Map<String, String> names = new HashMap<>();
    for (JsonNode vertex : cluster.get("/jobs/" + jobId).path("vertices")) {
      names.put(vertex.path("id").asText(), vertex.path("name").asText());
    }
    JsonNode details =
        cluster.get("/jobs/" + jobId + "/checkpoints/details/" + latest.path("id").asLong());
    List<Map.Entry<String, Long>> perVertex = new ArrayList<>();
    details
        .path("tasks")
        .fields()
        .forEachRemaining(
            task ->
                perVertex.add(
                    Map.entry(
                        shortName(names.getOrDefault(task.getKey(), task.getKey())),
                        task.getValue().path("state_size").asLong())));
    perVertex.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    StringBuilder out =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%d checkpoints, largest %.1f MB, latest (#%d) %.1f MB:",
                checkpoints.path("counts").path("completed").asLong(),
                checkpoints.path("summary").path("state_size").path("max").asLong() / 1e6,
                latest.path("id").asLong(),
                latest.path("state_size").asLong() / 1e6));
    for (Map.Entry<String, Long> vertex : perVertex) {
      out.append(
          String.format(Locale.ROOT, " %s %.3f MB,", vertex.getKey(), vertex.getValue() / 1e6));
    }
    out.setLength(out.length() - 1);
    return out.toString();
  }

  /** The first transform of an operator chain's name, without Beam's long prefixes. */
  private static String shortName(String vertexName) {
    String first = vertexName.split(" -> ")[0];
    first = first.replaceAll("^\\[\\d+\\]", "");
    return first.length() > 60 ? first.substring(0, 60) + "..." : first;
  }

  /** streamy's counters of the job, as the JobManager's last metric snapshot has them. */
  Map<String, Long> counters(String jobId) throws IOException {
    Map<String, Long> counters = FlinkCounters.none();
    for (JsonNode vertex : cluster.get("/jobs/" + jobId).path("vertices")) {
      String metrics =
          "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
      List<String> names = new ArrayList<>();
      for (JsonNode metric : cluster.get(metrics)) {
        String id = metric.path("id").asText();
        if (FlinkCounters.isCounter(id, StreamyCounters.NAMESPACE)) {
          names.add(id);
        }
      }
      if (!names.isEmpty()) {
        FlinkCounters.add(
            cluster.get(
                metrics
                    + "?agg=sum&get="
                    + URLEncoder.encode(String.join(",", names), StandardCharsets.UTF_8)),
            StreamyCounters.NAMESPACE,
            counters);
      }
    }
    return counters;
  }

  /** Cancels the job and waits until Flink reports it cancelled (or ended otherwise). */
  void cancel(String jobId) throws IOException, InterruptedException {
    List<String> ended = List.of("CANCELED", "FAILED", "FINISHED");
    if (ended.contains(state(jobId))) {
      return; // Flink refuses (409) to cancel a job that has ended
    }
    cluster.cancel(jobId);
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (System.nanoTime() < deadline) {
      String state = state(jobId);
      if (ended.contains(state)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("job " + jobId + " did not stop within a minute of cancel");
  }

  /** Stops every JVM of the cluster with {@code ./streamy flink-cluster stop}. */
  @Override
  public void close() throws IOException, InterruptedException {
    Path log = dir.resolve("log").resolve("bench-stop.log");
    Files.createDirectories(log.getParent());
    streamy.run(List.of("flink-cluster", "stop", "--dir=" + dir), log, COMMAND_TIMEOUT);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // shutting down already; the hook stops nothing that still runs
    }
  }
}
