package dev.streamy.runners.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.runners.LocalFlinkCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The local Flink cluster ({@link LocalFlinkCluster}: one JobManager and TaskManager JVMs) with
 * what a fault-injection test asks of a job: where its tasks run, its state, failures and
 * checkpoints.
 */
final class FlinkTestCluster implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LocalFlinkCluster cluster;

  private FlinkTestCluster(LocalFlinkCluster cluster) {
    this.cluster = cluster;
  }

  /** Starts 1 JobManager and {@code taskManagers} TaskManagers of {@code slots} slots each. */
  static FlinkTestCluster start(Path lib, Path dir, int taskManagers, int slots)
      throws IOException {
    return new FlinkTestCluster(
        LocalFlinkCluster.start(
            LocalFlinkCluster.Config.builder()
                .setDir(dir)
                .setLib(lib)
                .setTaskManagers(taskManagers)
                .setSlots(slots)
                .build(),
            System.out));
  }

  String restUrl() {
    return cluster.restUrl();
  }

  /** The REST address as {@code --flinkMaster} takes it. */
  String master() {
    return cluster.master();
  }

  /** Starts one more TaskManager and waits until it has registered. */
  void addTaskManager() throws IOException {
    cluster.addTaskManager(System.out);
  }

  /** The live TaskManager processes by resource id ({@code taskmanager-<k>}). */
  Map<String, ProcessHandle> taskManagers() {
    return cluster.taskManagers();
  }

  /** The resource ids of the TaskManagers that run at least one task of {@code jobId}. */
  List<String> taskManagersRunning(String jobId) throws IOException {
    List<String> ids = new ArrayList<>();
    for (JsonNode vertex : cluster.get("/jobs/" + jobId).path("vertices")) {
      JsonNode placed =
          cluster.get(
              "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/taskmanagers");
      for (JsonNode taskManager : placed.path("taskmanagers")) {
        String id = taskManager.path("taskmanager-id").asText();
        if (!ids.contains(id)) {
          ids.add(id);
        }
      }
    }
    return ids;
  }

  /** The job's state and whether every one of its tasks is RUNNING. */
  boolean isFullyRunning(String jobId) throws IOException {
    JsonNode job = cluster.get("/jobs/" + jobId);
    if (!job.path("state").asText().equals("RUNNING")) {
      return false;
    }
    for (JsonNode vertex : job.path("vertices")) {
      if (!vertex.path("status").asText().equals("RUNNING")) {
        return false;
      }
    }
    return true;
  }

  String jobState(String jobId) throws IOException {
    return cluster.get("/jobs/" + jobId).path("state").asText();
  }

  /** How many times the job failed and was restarted, from its exception history. */
  int failures(String jobId) throws IOException {
    return cluster
        .get("/jobs/" + jobId + "/exceptions?maxExceptions=1000")
        .path("exceptionHistory")
        .path("entries")
        .size();
  }

  /** Completed checkpoints of the job. */
  long completedCheckpoints(String jobId) throws IOException {
    return cluster.get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
  }

  /** The ids of the jobs in a state other than finished, cancelled or failed. */
  List<String> activeJobs() throws IOException {
    List<String> ids = new ArrayList<>();
    for (JsonNode job : cluster.get("/jobs/overview").path("jobs")) {
      String state = job.path("state").asText();
      if (!List.of("FINISHED", "CANCELED", "FAILED").contains(state)) {
        ids.add(job.path("jid").asText());
      }
    }
    return ids;
  }

  /**
   * Stops the job with a savepoint in {@code dir} (Flink's {@code flink stop}, without {@code
   * --drain}) and returns the savepoint's path once it completed.
   */
  String stopWithSavepoint(String jobId, Path dir, Duration timeout)
      throws IOException, InterruptedException {
    String body =
        JSON.createObjectNode()
            .put("targetDirectory", dir.toUri().toString())
            .put("drain", false)
            .toString();
    String request = cluster.post("/jobs/" + jobId + "/stop", body).path("request-id").asText();
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      JsonNode status = cluster.get("/jobs/" + jobId + "/savepoints/" + request);
      if (status.path("status").path("id").asText().equals("COMPLETED")) {
        JsonNode operation = status.path("operation");
        if (operation.has("failure-cause")) {
          throw new IOException("stop-with-savepoint failed: " + operation.path("failure-cause"));
        }
        return operation.path("location").asText();
      }
      Thread.sleep(250); // polling the REST API
    }
    throw new IOException("stop-with-savepoint of " + jobId + " did not complete in " + timeout);
  }

  void cancel(String jobId) throws IOException {
    cluster.cancel(jobId);
  }

  @Override
  public void close() throws IOException {
    LocalFlinkCluster.stop(cluster.dir(), System.out);
  }
}
