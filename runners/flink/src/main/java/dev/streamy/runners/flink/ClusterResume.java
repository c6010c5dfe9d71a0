package dev.streamy.runners.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.pipelines.Settings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Resumes a streaming job submitted to a cluster from where the job it replaces left off: the last
 * checkpoint (or savepoint) of the most recent ended job of the same name in the JobManager's
 * history. Without it, a job cancelled and submitted again would start from the consumer group's
 * offsets, which the cancelled job committed with its checkpoints while the records of its open
 * windows, its uncommitted Iceberg files and its unsent dead letters were still only in its state:
 * those would be lost. With it, the new job restores that state and every sink takes each record
 * once (the sinks are idempotent to a replay from an older checkpoint).
 *
 * <p>This is Flink's "last-state" upgrade, as Flink's Kubernetes operator does it. The JobManager
 * keeps ended jobs for {@code jobstore.expiration-time} (an hour by default) and forgets them when
 * it restarts; then the job starts from the group's offsets, and says so, and a user resumes with
 * {@code --savepointPath}. Checkpoints must outlive the cancel: the presets retain them ({@code
 * --retainExternalizedCheckpointsOnCancellation}).
 */
final class ClusterResume {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> ENDED = List.of("CANCELED", "FAILED", "FINISHED");
  private static final List<String> RUNNING =
      List.of("INITIALIZING", "CREATED", "RUNNING", "RESTARTING", "CANCELLING", "FAILING");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final String restUrl;

  ClusterResume(String flinkMaster) {
    this.restUrl = flinkMaster.contains("://") ? flinkMaster : "http://" + flinkMaster;
  }

  /**
   * Sets {@code --savepointPath} of a streaming job bound for a cluster to the last checkpoint of
   * the previous job of its name, unless the user gave one or turned this off; refuses a second job
   * of the same name while one runs (two jobs of one sink id would fence each other's DLQ
   * producer).
   */
  static void apply(StreamyFlinkOptions options, Set<String> set) {
    if (Settings.isBounded(options)
        || !FlinkPresets.isRemote(options.getFlinkMaster())
        || set.contains("savepointPath")
        || !options.getResumePreviousJob()) {
      return;
    }
    ClusterResume cluster = new ClusterResume(options.getFlinkMaster());
    String name = options.getJobName();
    List<JsonNode> jobs;
    try {
      jobs = cluster.jobsNamed(name);
    } catch (IOException e) {
      // The submission that follows reports an unreachable cluster itself.
      System.err.println(
          "streamy: cannot read the cluster's job history (" + e.getMessage() + "); not resuming");
      return;
    }
    for (JsonNode job : jobs) {
      if (RUNNING.contains(job.path("state").asText())) {
        throw new IllegalArgumentException(
            "a job named '"
                + name
                + "' is already "
                + job.path("state").asText()
                + " on the cluster ("
                + job.path("jid").asText()
                + "): stop it first (a savepoint: flink stop), or give this one its own --sinkId");
      }
    }
    Optional<JsonNode> previous =
        jobs.stream()
            .filter(job -> ENDED.contains(job.path("state").asText()))
            .max(Comparator.comparingLong(job -> job.path("end-time").asLong()));
    if (previous.isEmpty()) {
      return; // a first submission
    }
    String jobId = previous.get().path("jid").asText();
    String state = previous.get().path("state").asText();
    Optional<String> checkpoint;
    try {
      checkpoint = cluster.lastCheckpoint(jobId);
    } catch (IOException e) {
      System.err.println(
          "streamy: cannot read the checkpoints of the previous job " + jobId + ": " + e);
      checkpoint = Optional.empty();
    }
    if (checkpoint.isEmpty()) {
      System.err.println(
          "streamy: the previous job '"
              + name
              + "' ("
              + jobId
              + ", "
              + state
              + ") left no checkpoint that still exists; starting from the consumer group's"
              + " offsets");
      return;
    }
    options.setSavepointPath(checkpoint.get());
    System.err.println(
        "streamy: resuming from "
            + checkpoint.get()
            + ", the last checkpoint of the previous job '"
            + name
            + "' ("
            + jobId
            + ", "
            + state
            + "); --resumePreviousJob=false starts from the consumer group's offsets instead");
  }

  /** The jobs of the cluster's overview (running and remembered) called {@code name}. */
  List<JsonNode> jobsNamed(String name) throws IOException {
    List<JsonNode> named = new ArrayList<>();
    for (JsonNode job : get("/jobs/overview").path("jobs")) {
      if (job.path("name").asText().equals(name)) {
        named.add(job);
      }
    }
    return named;
  }

  /**
   * The newest of the job's completed checkpoint, savepoint and restored checkpoint (a job that
   * failed before its first checkpoint still names the one it had restored), when its files still
   * exist as far as this machine can tell (a local path that is gone is skipped; a remote one is
   * taken as it is).
   */
  Optional<String> lastCheckpoint(String jobId) throws IOException {
    JsonNode latest = get("/jobs/" + jobId + "/checkpoints").path("latest");
    JsonNode newest = null;
    for (String kind : List.of("completed", "savepoint", "restored")) {
      JsonNode checkpoint = latest.path(kind);
      if (checkpoint.isObject()
          && checkpoint.hasNonNull("external_path")
          && (newest == null || checkpoint.path("id").asLong() > newest.path("id").asLong())) {
        newest = checkpoint;
      }
    }
    if (newest == null) {
      return Optional.empty();
    }
    String path = newest.path("external_path").asText();
    if (path.startsWith("file:") && !Files.exists(Path.of(URI.create(path)))) {
      return Optional.empty();
    }
    return Optional.of(path);
  }

  private JsonNode get(String path) throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(restUrl + path)).timeout(Duration.ofSeconds(10)).build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("GET " + path + ": HTTP " + response.statusCode());
      }
      return JSON.readTree(response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
