package dev.streamy.runners.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A real standalone Flink session cluster started by {@code runners/flink-cluster/flink-cluster.sh}
 * (one JobManager and TaskManager JVMs), with what a fault-injection test needs: its REST API, the
 * TaskManager processes to kill and a way to add one.
 */
final class LocalFlinkCluster implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path script;
  private final Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final String restUrl;

  private LocalFlinkCluster(Path script, Path dir) throws IOException {
    this.script = script;
    this.dir = dir;
    this.restUrl = "http://localhost:" + Files.readString(dir.resolve("rest-port")).trim();
  }

  /** Starts 1 JobManager and {@code taskManagers} TaskManagers of {@code slots} slots each. */
  static LocalFlinkCluster start(Path script, Path lib, Path dir, int taskManagers, int slots)
      throws IOException, InterruptedException {
    run(
        script,
        "start",
        "--dir=" + dir,
        "--lib=" + lib,
        "--taskmanagers=" + taskManagers,
        "--slots=" + slots);
    return new LocalFlinkCluster(script, dir);
  }

  String restUrl() {
    return restUrl;
  }

  /** The REST address as {@code --flinkMaster} takes it. */
  String master() {
    return restUrl.substring("http://".length());
  }

  /** Starts one more TaskManager and waits until it has registered. */
  void addTaskManager() throws IOException, InterruptedException {
    run(script, "add-taskmanager", "--dir=" + dir);
  }

  /** The live TaskManager processes by resource id ({@code taskmanager-<k>}). */
  Map<String, ProcessHandle> taskManagers() throws IOException {
    Map<String, ProcessHandle> processes = new TreeMap<>();
    try (var files = Files.list(dir.resolve("pids"))) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        if (name.startsWith("taskmanager-") && name.endsWith(".pid")) {
          long pid = Long.parseLong(Files.readString(file).trim());
          ProcessHandle.of(pid)
              .filter(ProcessHandle::isAlive)
              .ifPresent(p -> processes.put(name.substring(0, name.length() - 4), p));
        }
      }
    }
    return processes;
  }

  /** The resource ids of the TaskManagers that run at least one task of {@code jobId}. */
  List<String> taskManagersRunning(String jobId) throws IOException, InterruptedException {
    List<String> ids = new ArrayList<>();
    for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
      JsonNode placed =
          get("/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/taskmanagers");
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
  boolean isFullyRunning(String jobId) throws IOException, InterruptedException {
    JsonNode job = get("/jobs/" + jobId);
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

  String jobState(String jobId) throws IOException, InterruptedException {
    return get("/jobs/" + jobId).path("state").asText();
  }

  /** How many times the job failed and was restarted, from its exception history. */
  int failures(String jobId) throws IOException, InterruptedException {
    return get("/jobs/" + jobId + "/exceptions?maxExceptions=1000")
        .path("exceptionHistory")
        .path("entries")
        .size();
  }

  /** Completed checkpoints of the job. */
  long completedCheckpoints(String jobId) throws IOException, InterruptedException {
    return get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
  }

  /** The ids of the jobs in a state other than finished, cancelled or failed. */
  List<String> activeJobs() throws IOException, InterruptedException {
    List<String> ids = new ArrayList<>();
    for (JsonNode job : get("/jobs/overview").path("jobs")) {
      String state = job.path("state").asText();
      if (!List.of("FINISHED", "CANCELED", "FAILED").contains(state)) {
        ids.add(job.path("jid").asText());
      }
    }
    return ids;
  }

  void cancel(String jobId) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(restUrl + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IOException("cancel " + jobId + ": HTTP " + response.statusCode());
    }
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(restUrl + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + path + ": HTTP " + response.statusCode());
    }
    return JSON.readTree(response.body());
  }

  @Override
  public void close() throws IOException, InterruptedException {
    run(script, "stop", "--dir=" + dir);
  }

  private static void run(Path script, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(List.of(args));
    Path log = Files.createTempFile("flink-cluster-", ".log");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    if (!process.waitFor(3, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(
          "flink-cluster.sh " + String.join(" ", args) + " failed:\n" + Files.readString(log));
    }
    System.out.print(Files.readString(log));
  }
}
