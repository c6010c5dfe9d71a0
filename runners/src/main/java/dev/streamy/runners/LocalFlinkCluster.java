package dev.streamy.runners;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.annotation.Nullable;

/**
 * A real, local Apache Flink standalone session cluster: one JobManager JVM (with the web UI) and
 * TaskManager JVMs, each its own background process bound to localhost, started from the jars that
 * {@code runners/flink-cluster} copies to {@code target/lib} (no Flink distribution), as
 * flink-dist's scripts would start them.
 *
 * <p>Everything of one cluster lives in one folder: {@code conf/} (config.yaml and the log4j files,
 * written on every start), {@code log/} (each JVM's log and stdout, kept), {@code pids/} (one pid
 * file per JVM), {@code rest-port}, {@code lib-dir}, and {@code checkpoints/}, {@code savepoints/},
 * {@code tmp/}, {@code plugins/}. The JVMs outlive the process that started them; {@link #stop}
 * ends them (TERM, then KILL after 15 s).
 */
public final class LocalFlinkCluster {

  /** The REST port a cluster gets when it is free and none is asked for. */
  public static final int DEFAULT_REST_PORT = 8081;

  private static final String JM_CLASS =
      "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
  private static final String TM_CLASS = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
  private static final String CLI_CLASS = "org.apache.flink.client.cli.CliFrontend";
  private static final String BASH_JAVA_UTILS = "org.apache.flink.runtime.util.bash.BashJavaUtils";
  private static final String RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";
  private static final Duration REGISTER_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final Pattern RUNTIME_JAR = Pattern.compile("^flink-runtime-(.+)\\.jar$");
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The JVM flags flink-dist 1.19 sets in its config.yaml as {@code env.java.opts.all}, "required
   * for Java 17 support" (Kryo, Pekko and friends reflect into the JDK). Every JVM here gets them.
   */
  static final List<String> JAVA17_OPTS =
      List.of(
          "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
          "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.text=ALL-UNNAMED",
          "--add-opens=java.base/java.time=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

  /** How a cluster is started. */
  @AutoValue
  public abstract static class Config {
    /** The cluster's folder. */
    public abstract Path dir();

    /** The folder of Flink's jars. */
    public abstract Path lib();

    public abstract int taskManagers();

    public abstract int slots();

    /** The REST and web UI port; when null, 8081 if free, else any free port. */
    public abstract @Nullable Integer restPort();

    /** The JobManager's process size, a Flink memory size such as {@code 1024m}. */
    public abstract String jobManagerMemory();

    /** Each TaskManager's process size. */
    public abstract String taskManagerMemory();

    /**
     * 2 TaskManagers of 2 slots, 1024m and 4096m processes. A 4096m TaskManager has about 1.9 GB of
     * task heap (with {@code taskmanager.memory.managed.fraction: 0.25}), so about 1 GB per slot:
     * the heap state backend keeps a streaming job's state there, and a window's Parquet rows wait
     * in state until the window closes. Both TaskManagers together take 8 GB of a 24 GB machine.
     */
    public static Builder builder() {
      return new AutoValue_LocalFlinkCluster_Config.Builder()
          .setTaskManagers(2)
          .setSlots(2)
          .setJobManagerMemory("1024m")
          .setTaskManagerMemory("4096m");
    }

    /** Builds a {@link Config}; the folder and the jars are required. */
    @AutoValue.Builder
    public abstract static class Builder {
      public abstract Builder setDir(Path dir);

      public abstract Builder setLib(Path lib);

      public abstract Builder setTaskManagers(int taskManagers);

      public abstract Builder setSlots(int slots);

      public abstract Builder setRestPort(@Nullable Integer restPort);

      public abstract Builder setJobManagerMemory(String size);

      public abstract Builder setTaskManagerMemory(String size);

      abstract Config autoBuild();

      /**
       * The config, with absolute paths.
       *
       * @throws IllegalArgumentException for a count, slot number or port out of range
       */
      public Config build() {
        Config config = autoBuild();
        if (config.taskManagers() < 0) {
          throw new IllegalArgumentException(
              "--taskmanagers must be 0 or more, got " + config.taskManagers());
        }
        if (config.slots() < 1) {
          throw new IllegalArgumentException(
              "--slots must be a positive number, got " + config.slots());
        }
        Integer port = config.restPort();
        if (port != null && (port < 1 || port > 65_535)) {
          throw new IllegalArgumentException("--rest-port must be a port number, got " + port);
        }
        return config.toBuilder()
            .setDir(config.dir().toAbsolutePath().normalize())
            .setLib(config.lib().toAbsolutePath().normalize())
            .autoBuild();
      }
    }

    abstract Builder toBuilder();
  }

  private final Path dir;
  private final Path lib;
  private final int restPort;
  private final HttpClient http = HttpClient.newHttpClient();

  private LocalFlinkCluster(Path dir, Path lib, int restPort) {
    this.dir = dir;
    this.lib = lib;
    this.restPort = restPort;
  }

  /**
   * Starts a cluster as {@code config} says and waits until every TaskManager has registered,
   * reporting each step on {@code out}. On failure, what was started is stopped again (the logs
   * stay).
   *
   * @throws IllegalArgumentException when a cluster already runs in the folder, the REST port asked
   *     for is taken, or there are no Flink jars
   */
  public static LocalFlinkCluster start(Config config, PrintStream out) throws IOException {
    Path dir = config.dir();
    String version = flinkVersion(config.lib());
    long started = System.nanoTime();
    Files.createDirectories(dir);
    try (Lock lock = lock(dir)) {
      FlinkClusterFolder layout = FlinkClusterFolder.of(dir);
      if (layout.jobManager().isPresent()) {
        throw new IllegalArgumentException(
            "a Flink cluster already runs in "
                + dir
                + ": web UI http://localhost:"
                + layout.restPort()
                + " (stop it with: ./streamy flink-cluster stop --dir="
                + dir
                + ")");
      }
      Optional<Map.Entry<Integer, ProcessHandle>> leftOver =
          layout.taskManagers().entrySet().stream().findFirst();
      if (leftOver.isPresent()) {
        Map.Entry<Integer, ProcessHandle> taskManager = leftOver.get();
        throw new IllegalArgumentException(
            "TaskManager "
                + taskManager.getKey()
                + " of an earlier cluster still runs in "
                + dir
                + " (pid "
                + taskManager.getValue().pid()
                + "); run: ./streamy flink-cluster stop --dir="
                + dir);
      }
      for (String folder :
          List.of("conf", "log", "pids", "plugins", "tmp", "opt", "checkpoints", "savepoints")) {
        Files.createDirectories(dir.resolve(folder));
      }
      layout.clearPids();

      int restPort = restPort(config.restPort());
      int rpcPort = freePortOtherThan(restPort);
      Files.writeString(
          layout.config(),
          configYaml(dir, version, restPort, rpcPort, config),
          StandardCharsets.UTF_8);
      copyResource("log4j2.properties", layout.conf());
      copyResource("log4j2-cli.properties", layout.conf());
      Files.writeString(dir.resolve("lib-dir"), config.lib() + "\n", StandardCharsets.UTF_8);
      out.printf(
          "starting Flink %s session cluster in %s (REST port %d, RPC port %d)%n",
          version, dir, restPort, rpcPort);

      LocalFlinkCluster cluster = new LocalFlinkCluster(dir, config.lib(), restPort);
      List<String> jobManagerJvm = new ArrayList<>();
      List<String> jobManagerProgram = new ArrayList<>();
      split(cluster.resourceParameters("GET_JM_RESOURCE_PARAMS"), jobManagerJvm, jobManagerProgram);
      List<String> taskManagerArgs = cluster.resourceParameters("GET_TM_RESOURCE_PARAMS");
      List<LocalProcesses.Watched> watched = new ArrayList<>();
      try {
        ProcessHandle jobManager =
            cluster.launch("jobmanager", JM_CLASS, jobManagerJvm, jobManagerProgram);
        Files.writeString(dir.resolve("rest-port"), restPort + "\n", StandardCharsets.UTF_8);
        out.printf(
            "JobManager:    pid %d, log %s%n", jobManager.pid(), layout.log("jobmanager.log"));
        watched.add(cluster.watched("jobmanager", jobManager));
        List<String> expected = new ArrayList<>();
        for (int k = 1; k <= config.taskManagers(); k++) {
          watched.add(cluster.startTaskManager(k, taskManagerArgs, out));
          expected.add("taskmanager-" + k);
        }
        out.printf(
            "waiting for the JobManager and %d TaskManager(s) to register (up to %d s)...%n",
            config.taskManagers(), REGISTER_TIMEOUT.toSeconds());
        cluster.awaitRegistered(expected, watched);
      } catch (IOException | RuntimeException e) {
        LocalProcesses.stop(
            watched.stream().map(LocalProcesses.Watched::process).toList(), STOP_TIMEOUT);
        layout.clearPids();
        throw new IllegalStateException(
            "the Flink cluster did not start; what was started is stopped again (logs in "
                + layout.log("")
                + "): "
                + e.getMessage(),
            e);
      }
      out.printf(
          Locale.ROOT,
          "Flink %s cluster up: 1 JobManager, %s, %s (%.1fs)%n",
          version,
          plural(config.taskManagers(), "TaskManager"),
          plural(config.taskManagers() * config.slots(), "slot"),
          (System.nanoTime() - started) / 1e9);
      out.println("web UI: " + cluster.restUrl());
      return cluster;
    }
  }

  /** The cluster running in {@code dir}, if its JobManager runs. */
  public static Optional<LocalFlinkCluster> running(Path dir) {
    Path absolute = dir.toAbsolutePath().normalize();
    FlinkClusterFolder layout = FlinkClusterFolder.of(absolute);
    if (layout.jobManager().isEmpty() || layout.restPort() == null) {
      return Optional.empty();
    }
    return Optional.of(new LocalFlinkCluster(absolute, layout.lib(), layout.restPort()));
  }

  /**
   * Stops every JVM of the cluster in {@code dir} and removes the pid files and the port file; logs
   * and checkpoints stay.
   *
   * @return how many JVMs were running
   */
  public static int stop(Path dir, PrintStream out) throws IOException {
    Path absolute = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(absolute)) {
      out.println("no Flink cluster in " + absolute);
      return 0;
    }
    try (Lock lock = lock(absolute)) {
      FlinkClusterFolder layout = FlinkClusterFolder.of(absolute);
      Map<String, ProcessHandle> running = new TreeMap<>();
      layout.jobManager().ifPresent(p -> running.put("jobmanager", p));
      layout.taskManagers().forEach((k, p) -> running.put("taskmanager-" + k, p));
      if (running.isEmpty()) {
        out.println("no Flink cluster running in " + absolute);
      } else {
        out.printf(
            "stopping %s (pids %s)...%n",
            String.join(" ", running.keySet()),
            running.values().stream().map(p -> Long.toString(p.pid())).toList());
        List<ProcessHandle> killed = LocalProcesses.stop(running.values(), STOP_TIMEOUT);
        if (!killed.isEmpty()) {
          out.println(
              "still running after "
                  + STOP_TIMEOUT.toSeconds()
                  + " s, killed: "
                  + killed.stream().map(p -> Long.toString(p.pid())).toList());
        }
        out.printf(
            "Flink cluster in %s stopped (%s); logs in %s%n",
            absolute, plural(running.size(), "JVM"), layout.log(""));
      }
      layout.clearPids();
      return running.size();
    }
  }

  /**
   * Prints the cluster's processes, web UI, registered TaskManagers, slots and jobs.
   *
   * @return 0 when the JobManager runs, 3 when it does not
   */
  public static int status(Path dir, PrintStream out) {
    Path absolute = dir.toAbsolutePath().normalize();
    FlinkClusterFolder layout = FlinkClusterFolder.of(absolute);
    out.println("Flink cluster in " + absolute);
    Optional<Long> jobManagerPid = layout.pid("jobmanager.pid");
    Optional<ProcessHandle> jobManager = layout.jobManager();
    out.println(
        "  JobManager:     "
            + jobManagerPid
                .map(pid -> "pid " + pid + (jobManager.isPresent() ? " alive" : " dead"))
                .orElse("not running"));
    for (Map.Entry<Integer, Long> file : layout.taskManagerPids().entrySet()) {
      boolean alive = layout.taskManagers().containsKey(file.getKey());
      out.printf(
          "  TaskManager %-3s pid %d %s%n",
          file.getKey() + ":", file.getValue(), alive ? "alive" : "dead");
    }
    Optional<LocalFlinkCluster> cluster = running(absolute);
    if (cluster.isEmpty()) {
      out.println("not running");
      return 3;
    }
    out.println("  web UI:         " + cluster.get().restUrl());
    try {
      JsonNode overview = cluster.get().get("/overview");
      out.printf(
          "  TaskManagers:   %d registered (%s)%n",
          overview.path("taskmanagers").asInt(),
          String.join(" ", cluster.get().registeredTaskManagers()));
      out.printf(
          "  slots:          %d free of %d%n",
          overview.path("slots-available").asInt(), overview.path("slots-total").asInt());
      List<String> lines = new ArrayList<>();
      int running = 0;
      for (JsonNode job : cluster.get().get("/jobs/overview").path("jobs")) {
        String state = job.path("state").asText();
        if (!List.of("FINISHED", "CANCELED", "FAILED").contains(state)) {
          running++;
        }
        lines.add(
            String.format(
                "    %s  %-11s %s", job.path("jid").asText(), state, job.path("name").asText()));
      }
      out.printf("  jobs:           %d running, %d total%n", running, lines.size());
      lines.forEach(out::println);
    } catch (IOException e) {
      out.println("  REST API:       not answering (yet); see " + layout.log("jobmanager.log"));
    }
    return 0;
  }

  /**
   * Runs the Flink CLI against the cluster configured in {@code dir}, with this process's input and
   * output, as flink-dist's {@code bin/flink} does; returns its exit code.
   */
  public static int flink(Path dir, List<String> args) throws IOException, InterruptedException {
    Path absolute = dir.toAbsolutePath().normalize();
    FlinkClusterFolder layout = FlinkClusterFolder.of(absolute);
    if (!Files.isRegularFile(layout.config())) {
      throw new IllegalArgumentException(
          "no cluster configuration in "
              + layout.conf()
              + "; start a cluster first: ./streamy flink-cluster start --dir="
              + absolute);
    }
    Path lib = layout.lib();
    flinkVersion(lib);
    Files.createDirectories(absolute.resolve("log"));
    List<String> command = new ArrayList<>();
    command.add(LocalProcesses.javaBinary());
    command.add("-XX:+IgnoreUnrecognizedVMOptions");
    command.addAll(JAVA17_OPTS);
    command.add("-Dlog.file=" + layout.log("client.log"));
    command.add("-Dlog4j.configurationFile=file:" + layout.conf().resolve("log4j2-cli.properties"));
    command.add("-classpath");
    command.add(lib + "/*");
    command.add(CLI_CLASS);
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
    builder.environment().putAll(environment(absolute, lib));
    return builder.start().waitFor();
  }

  /** The cluster's folder. */
  public Path dir() {
    return dir;
  }

  /** {@code http://localhost:<rest port>}. */
  public String restUrl() {
    return "http://localhost:" + restPort;
  }

  /** The REST address as {@code --flinkMaster} takes it: {@code localhost:<rest port>}. */
  public String master() {
    return "localhost:" + restPort;
  }

  /** The live TaskManager processes by resource id ({@code taskmanager-<k>}). */
  public Map<String, ProcessHandle> taskManagers() {
    Map<String, ProcessHandle> processes = new TreeMap<>();
    FlinkClusterFolder.of(dir)
        .taskManagers()
        .forEach((k, p) -> processes.put("taskmanager-" + k, p));
    return processes;
  }

  /**
   * Starts one more TaskManager, numbered one above the highest of this cluster, and waits until it
   * has registered.
   *
   * @return its resource id
   */
  public String addTaskManager(PrintStream out) throws IOException {
    try (Lock lock = lock(dir)) {
      FlinkClusterFolder layout = FlinkClusterFolder.of(dir);
      ProcessHandle jobManager =
          layout
              .jobManager()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "no Flink cluster running in "
                              + dir
                              + " (start one with: ./streamy flink-cluster start)"));
      int before = registeredTaskManagers().size();
      int k = layout.taskManagerPids().keySet().stream().mapToInt(i -> i).max().orElse(0) + 1;
      LocalProcesses.Watched taskManager =
          startTaskManager(k, resourceParameters("GET_TM_RESOURCE_PARAMS"), out);
      awaitRegistered(
          List.of("taskmanager-" + k), List.of(taskManager, watched("jobmanager", jobManager)));
      JsonNode overview = get("/overview");
      out.printf(
          "TaskManager %d registered: %d TaskManagers (was %d), %d slots%n",
          k, overview.path("taskmanagers").asInt(), before, overview.path("slots-total").asInt());
      return "taskmanager-" + k;
    }
  }

  /** The answer of the REST API to a GET of {@code path}, e.g. {@code /jobs/overview}. */
  public JsonNode get(String path) throws IOException {
    HttpResponse<String> response =
        send(HttpRequest.newBuilder(URI.create(restUrl() + path)).timeout(Duration.ofSeconds(10)));
    if (response.statusCode() != 200) {
      throw new IOException("GET " + path + ": HTTP " + response.statusCode());
    }
    return JSON.readTree(response.body());
  }

  /** The answer of the REST API to a POST of the JSON {@code body} to {@code path}. */
  public JsonNode post(String path, String body) throws IOException {
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(URI.create(restUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    if (response.statusCode() / 100 != 2) {
      throw new IOException(
          "POST " + path + ": HTTP " + response.statusCode() + " " + response.body());
    }
    return JSON.readTree(response.body());
  }

  /** Cancels the job {@code jobId}. */
  public void cancel(String jobId) throws IOException {
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(URI.create(restUrl() + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()));
    if (response.statusCode() / 100 != 2) {
      throw new IOException("cancel " + jobId + ": HTTP " + response.statusCode());
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** The resource ids of the TaskManagers registered at the JobManager, sorted. */
  private List<String> registeredTaskManagers() throws IOException {
    List<String> ids = new ArrayList<>();
    for (JsonNode taskManager : get("/taskmanagers").path("taskmanagers")) {
      ids.add(taskManager.path("id").asText());
    }
    ids.sort(null);
    return ids;
  }

  private void awaitRegistered(List<String> expected, List<LocalProcesses.Watched> watched) {
    LocalProcesses.await(
        "for " + String.join(", ", expected) + " to register",
        REGISTER_TIMEOUT,
        watched,
        () -> registeredTaskManagers().containsAll(expected));
  }

  private LocalProcesses.Watched startTaskManager(int k, List<String> resourceArgs, PrintStream out)
      throws IOException {
    List<String> jvm = new ArrayList<>();
    List<String> program =
        new ArrayList<>(List.of("-D", "taskmanager.resource-id=taskmanager-" + k));
    split(resourceArgs, jvm, program);
    String name = "taskmanager-" + k;
    ProcessHandle process = launch(name, TM_CLASS, jvm, program);
    out.printf(
        "TaskManager %d: pid %d, log %s%n",
        k, process.pid(), FlinkClusterFolder.of(dir).log(name + ".log"));
    return watched(name, process);
  }

  private LocalProcesses.Watched watched(String name, ProcessHandle process) {
    FlinkClusterFolder layout = FlinkClusterFolder.of(dir);
    return LocalProcesses.Watched.of(
        name, process, List.of(layout.log(name + ".log"), layout.log(name + ".out")));
  }

  /**
   * Starts one Flink JVM, detached, with its log settings as flink-daemon.sh passes them (the web
   * UI serves {@code log.file} and its {@code .out} sibling), and writes its pid file.
   */
  private ProcessHandle launch(
      String name, String mainClass, List<String> jvm, List<String> program) throws IOException {
    FlinkClusterFolder layout = FlinkClusterFolder.of(dir);
    List<String> command = new ArrayList<>();
    command.add(LocalProcesses.javaBinary());
    command.add("-XX:+IgnoreUnrecognizedVMOptions");
    command.addAll(JAVA17_OPTS);
    command.addAll(jvm);
    command.add("-Dlog.file=" + layout.log(name + ".log"));
    command.add("-Dlog4j.configurationFile=file:" + layout.conf().resolve("log4j2.properties"));
    command.add("-classpath");
    command.add(lib + "/*");
    command.add(mainClass);
    command.add("--configDir");
    command.add(layout.conf().toString());
    command.addAll(program);
    Process process =
        LocalProcesses.launch(command, dir, layout.log(name + ".out"), true, environment(dir, lib));
    LocalProcesses.writePid(layout.pids().resolve(name + ".pid"), process.pid());
    return process.toHandle();
  }

  /**
   * Splits BashJavaUtils' two results ({@code [jvm args, dynamic args]}) into the JVM's flags and
   * the entrypoint's {@code -D key=value} arguments.
   */
  private static void split(List<String> results, List<String> jvm, List<String> program) {
    jvm.addAll(Arrays.asList(results.get(0).trim().split("\\s+")));
    program.addAll(Arrays.asList(results.get(1).trim().split("\\s+")));
  }

  /**
   * The memory settings of a JobManager or TaskManager, derived from config.yaml exactly as
   * flink-dist's scripts do it (a TaskManager started without them fails with
   * "taskmanager.cpu.cores is not set"): two lines, the JVM flags and the resolved {@code -D
   * key=value} settings.
   */
  private List<String> resourceParameters(String command) throws IOException {
    FlinkClusterFolder layout = FlinkClusterFolder.of(dir);
    Path output = Files.createTempFile(layout.tmp(), "bash-java-utils-", ".out");
    try {
      Process process =
          LocalProcesses.launch(
              List.of(
                  LocalProcesses.javaBinary(),
                  "-classpath",
                  lib + "/*",
                  BASH_JAVA_UTILS,
                  command,
                  "--configDir",
                  layout.conf().toString()),
              dir,
              output,
              false,
              environment(dir, lib));
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(BASH_JAVA_UTILS + " " + command + " timed out");
      }
      List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
      List<String> results =
          lines.stream()
              .filter(line -> line.startsWith(RESULT_PREFIX))
              .map(line -> line.substring(RESULT_PREFIX.length()))
              .toList();
      if (process.exitValue() != 0 || results.size() != 2) {
        throw new IllegalStateException(
            "could not compute the Flink memory settings ("
                + command
                + "):\n"
                + String.join("\n", lines));
      }
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** The environment flink-dist's bin/config.sh gives every Flink JVM. */
  private static Map<String, String> environment(Path dir, Path lib) {
    return Map.of(
        "FLINK_HOME", dir.toString(),
        "FLINK_CONF_DIR", dir.resolve("conf").toString(),
        "FLINK_LIB_DIR", lib.toString(),
        "FLINK_PLUGINS_DIR", dir.resolve("plugins").toString(),
        "FLINK_OPT_DIR", dir.resolve("opt").toString(),
        "FLINK_LOG_DIR", dir.resolve("log").toString(),
        "FLINK_BIN_DIR", dir.toString());
  }

  /** The Flink version of the jars in {@code lib}; fails when there are none. */
  private static String flinkVersion(Path lib) {
    try (Stream<Path> files = Files.list(lib)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Matcher jar = RUNTIME_JAR.matcher(file.getFileName().toString());
        if (jar.matches()) {
          return jar.group(1);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "no Flink jars in "
            + lib
            + ": build them with `mvn -q -DskipTests package -pl runners/flink-cluster -am`, or let"
            + " ./streamy build them (it does on first use)");
  }

  /** The REST port asked for (it must be free), else 8081 when free, else any free port. */
  private static int restPort(@Nullable Integer asked) throws IOException {
    if (asked != null) {
      if (LocalProcesses.portInUse(asked)) {
        throw new IllegalArgumentException("--rest-port=" + asked + " is in use on localhost");
      }
      return asked;
    }
    return LocalProcesses.portInUse(DEFAULT_REST_PORT)
        ? freePortOtherThan(DEFAULT_REST_PORT)
        : DEFAULT_REST_PORT;
  }

  private static int freePortOtherThan(int taken) throws IOException {
    for (int port : LocalProcesses.freePorts(2)) {
      if (port != taken) {
        return port;
      }
    }
    throw new IllegalStateException("found no free port on localhost");
  }

  /**
   * Serialises the commands that change a cluster (start, stop, add-taskmanager) on its folder, so
   * that two callers cannot start two clusters in one folder. The JVMs started meanwhile do not
   * inherit the lock: Java opens files close-on-exec.
   */
  private static Lock lock(Path dir) throws IOException {
    FileChannel channel =
        FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    channel.lock(); // released when the channel closes
    return channel::close;
  }

  /** A held lock; closing releases it. */
  private interface Lock extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  private static void copyResource(String name, Path conf) throws IOException {
    try (InputStream in = resource(name)) {
      Files.copy(in, conf.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** A file of {@code resources/dev/streamy/runners/flink-cluster/}. */
  private static InputStream resource(String name) {
    InputStream in = LocalFlinkCluster.class.getResourceAsStream("flink-cluster/" + name);
    if (in == null) {
      throw new IllegalStateException("resource flink-cluster/" + name + " is missing");
    }
    return in;
  }

  private static String plural(int n, String word) {
    return n + " " + word + (n == 1 ? "" : "s");
  }

  private static String yamlString(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  /** The {@code config.yaml} resource with this cluster's ports, sizes and folders filled in. */
  private static String configYaml(
      Path dir, String version, int restPort, int rpcPort, Config config) throws IOException {
    Map<String, String> values =
        Map.ofEntries(
            Map.entry("version", version),
            Map.entry("dir", dir.toString()),
            Map.entry("rpcPort", Integer.toString(rpcPort)),
            Map.entry("restPort", Integer.toString(restPort)),
            Map.entry("slots", Integer.toString(config.slots())),
            Map.entry("jobManagerMemory", config.jobManagerMemory()),
            Map.entry("taskManagerMemory", config.taskManagerMemory()),
            Map.entry("tmpDir", yamlString(dir.resolve("tmp").toString())),
            Map.entry("checkpointsDir", yamlString("file://" + dir.resolve("checkpoints"))),
            Map.entry("savepointsDir", yamlString("file://" + dir.resolve("savepoints"))),
            Map.entry("javaOpts", String.join(" ", JAVA17_OPTS)));
    String text;
    try (InputStream in = resource("config.yaml")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Matcher placeholder = Pattern.compile("\\$\\{(\\w+)}").matcher(text);
    StringBuilder out = new StringBuilder();
    while (placeholder.find()) {
      String value = values.get(placeholder.group(1));
      if (value == null) {
        throw new IllegalStateException("config.yaml: no value for " + placeholder.group());
      }
      placeholder.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    return placeholder.appendTail(out).toString();
  }
}
