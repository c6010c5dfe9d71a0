package dev.streamy.runners;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.Preflight;
import dev.streamy.pipelines.Settings;
import dev.streamy.templates.ParameterValidator;
import dev.streamy.templates.PipelineArgs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;

/**
 * Submits the ingest pipeline to Flink: the job jar ({@code
 * runners/flink/target/streamy-flink.jar}, main class {@code FlinkIngest}) runs in a child JVM with
 * this process's terminal, against the local cluster or {@code --flinkMaster}. What can be checked
 * here is checked first, before the job jar's JVM starts.
 */
final class FlinkSubmit {

  /** The job jar's main class; it prints its counters after a bounded run on this line. */
  private static final String FLINK_MAIN = "dev.streamy.runners.flink.FlinkIngest";

  private static final String COUNTERS_LINE = "streamy-counters ";

  /** Heap of the embedded cluster's JVM unless STREAMY_JAVA_OPTS sets one. */
  private static final String EMBEDDED_HEAP = "1g";

  /** The job jar's {@code FlinkIngest.EXIT_WITH_PARENT}: its JVM ends with this one. */
  static final String EXIT_WITH_PARENT = "streamy.exitWithParent";

  /** How long a stopped CLI waits for the job's JVM to end. */
  private static final long STOP_TIMEOUT_SECONDS = 60;

  /**
   * The JIT setting of a JVM that lives for seconds or a minute: the client JVM that submits a job,
   * and the embedded cluster's JVM of a short bounded run. The client compiles Beam's translation
   * once and is done; a short run ends before C2's optimized code pays for its compiles. Measured
   * side by side on the embedded JVM alone (2 cores): at 300,000 records C1 only took 97 CPU s
   * against 127 (C2 compiled for 45 of them); at 1,000,000 it took 321 against 234, its code being
   * slower. The break-even is near {@value #SHORT_RUN_RECORDS} records; longer bounded runs and
   * every streaming run keep the JVM's default.
   */
  static final String SHORT_LIVED_JIT = "-XX:TieredStopAtLevel=1";

  /** Bounded runs of at most this many records count as short for {@link #SHORT_LIVED_JIT}. */
  static final long SHORT_RUN_RECORDS = 500_000;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Long>> COUNTERS = new TypeReference<>() {};

  private FlinkSubmit() {}

  /** Whether {@code runner} names the FlinkRunner ({@code flink}, {@code FlinkRunner}). */
  static boolean isFlink(String runner) {
    String name = runner.toLowerCase(Locale.ROOT);
    return name.equals("flink") || name.equals("flinkrunner");
  }

  /**
   * Submits a job with {@code pipelineArgs} (without {@code --runner}) to {@code flinkMaster}, or
   * to the {@code --flinkMaster} among the arguments, or to the local cluster.
   *
   * @return the job jar's exit code, or 2 when the arguments are refused here
   * @throws IllegalArgumentException when there is nothing to submit to, or a check fails
   */
  static int submit(List<String> pipelineArgs, @Nullable String flinkMaster)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>();
    String master = flinkMaster;
    for (String arg : pipelineArgs) {
      if (arg.startsWith("--flinkMaster=") && master == null) {
        master = arg.substring("--flinkMaster=".length());
      } else if (!arg.startsWith("--runner=") && !arg.startsWith("--flinkMaster=")) {
        args.add(arg);
      }
    }
    Path jar = jar();
    boolean local = master == null;
    if (local) {
      Path dir = Checkout.flinkDir();
      master =
          LocalFlinkCluster.running(dir)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "no local Flink cluster is running in "
                              + dir
                              + ": start one with ./streamy flink-cluster start, or pass"
                              + " --flinkMaster=host:port (an existing cluster's REST address)"))
              .master();
    }
    if (!check(args, local)) {
      return Streamy.USAGE;
    }
    List<String> command = javaCommand();
    addUnlessTuned(command, SHORT_LIVED_JIT);
    command.add("-jar");
    command.add(jar.toString());
    command.add("--runner=FlinkRunner");
    command.add("--flinkMaster=" + master);
    if (args.stream().noneMatch(a -> a.startsWith("--filesToStage="))) {
      command.add("--filesToStage=" + jar);
    }
    command.addAll(args);
    return new ProcessBuilder(command).inheritIO().start().waitFor();
  }

  /**
   * Runs the pipeline on Flink's embedded mini-cluster ({@code --flinkMaster=[local]}) in a child
   * JVM from the job jar, with one slot per core: streamy's local default. {@code settings} are the
   * checked settings of {@code pipelineArgs}. A bounded run prints the summary once the job is
   * done; a streaming run runs until stopped.
   *
   * @return the job JVM's exit code
   */
  static int runEmbedded(List<String> pipelineArgs, Settings settings, PrintStream out)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>();
    for (String arg : pipelineArgs) {
      if (!arg.startsWith("--runner=") && !arg.startsWith("--flinkMaster=")) {
        args.add(arg);
      }
    }
    Path jar = jar();
    List<String> command = javaCommand();
    if (command.stream().noneMatch(a -> a.startsWith("-Xmx"))) {
      command.add(1, "-Xmx" + EMBEDDED_HEAP); // one JVM holds the job; Flink spills beyond it
    }
    if (settings.getMaxRecords() > 0 && settings.getMaxRecords() <= SHORT_RUN_RECORDS) {
      addUnlessTuned(command, SHORT_LIVED_JIT);
    }
    // The job's TaskManager runs in this JVM: it needs the flags every Flink JVM gets on Java 17
    // (Kryo, used for some operator state, reflects into java.util).
    command.addAll(LocalFlinkCluster.JAVA17_OPTS);
    command.addAll(List.of("-cp", jar.toString(), FLINK_MAIN, "--runner=FlinkRunner"));
    command.add("--flinkMaster=[local]");
    if (args.stream().noneMatch(a -> a.startsWith("--parallelism="))) {
      command.add("--parallelism=" + Runtime.getRuntime().availableProcessors());
    }
    command.addAll(args);
    // The job's JVM ends with this one, however this one ends: it reads its standard input (a
    // pipe nobody writes) to its end. A stopped CLI (SIGTERM, Ctrl-C) stops the job's JVM too and
    // waits for it to say where the next run resumes.
    command.add(1, "-D" + EXIT_WITH_PARENT + "=true");
    long started = System.nanoTime();
    Process job = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    // Its log, but for the stack traces of a blown error budget: the job prints the one line.
    Thread errors = BudgetNoiseFilter.pump(job.getErrorStream(), System.err);
    Thread stopJob =
        new Thread(
            () -> {
              // SIGTERM through the process handle: Process.destroy() would also close this end
              // of the job's pipes, and its last lines (where the next run resumes) would be lost.
              job.toHandle().destroy();
              try {
                job.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                // Those lines pass through the filter's daemon threads, which the JVM stops once
                // the hooks are done.
                errors.join(TimeUnit.SECONDS.toMillis(5));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "streamy-stop-job");
    Runtime.getRuntime().addShutdownHook(stopJob);
    ScheduledExecutorService lagLine = streamingLag(settings, out);
    Map<String, Long> counters = null;
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(job.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.startsWith(COUNTERS_LINE)) {
          counters = JSON.readValue(line.substring(COUNTERS_LINE.length()), COUNTERS);
        } else {
          out.println(line);
        }
      }
    }
    int exit = job.waitFor();
    errors.join(TimeUnit.SECONDS.toMillis(5));
    if (lagLine != null) {
      lagLine.shutdownNow();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(stopJob);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running: it waits for the job's JVM, which has ended.
    }
    if (exit == 0 && counters != null) {
      IngestRun.printSummary(
          counters,
          Path.of(settings.getOutput()).toAbsolutePath(),
          (System.nanoTime() - started) / 1e9,
          "FlinkRunner, embedded",
          out);
    }
    return exit;
  }

  /** How often a streaming embedded run prints its consumer group's lag. */
  private static final long LAG_EVERY_SECONDS = 10;

  /**
   * For a streaming run: a line with the consumer group's lag (log end less the offsets committed
   * at each checkpoint) every {@value #LAG_EVERY_SECONDS} s, until the returned task is shut down.
   * A bounded run commits nothing and prints none.
   */
  private static @Nullable ScheduledExecutorService streamingLag(
      Settings settings, PrintStream out) {
    if (settings.getMaxRecords() > 0) {
      return null;
    }
    ScheduledExecutorService every =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "streamy-lag");
              thread.setDaemon(true);
              return thread;
            });
    every.scheduleAtFixedRate(
        new Runnable() {
          private @Nullable InputLag lag;

          @Override
          public void run() {
            if (lag == null) {
              lag = InputLag.of(settings);
            }
            long behind = lag == null ? -1 : lag.groupLag();
            if (behind >= 0) {
              out.printf(
                  java.util.Locale.ROOT,
                  "streamy: lag %,d records (consumer group %s, committed at each checkpoint)%n",
                  behind,
                  settings.getConsumerGroup());
            }
          }
        },
        LAG_EVERY_SECONDS,
        LAG_EVERY_SECONDS,
        TimeUnit.SECONDS);
    return every;
  }

  /** Beam's help for a Flink options interface, as the job jar prints it. */
  static int help(String optionsInterface) throws IOException, InterruptedException {
    List<String> command = javaCommand();
    command.addAll(List.of("-jar", jar().toString(), "--help=" + optionsInterface));
    return new ProcessBuilder(command).inheritIO().start().waitFor();
  }

  /**
   * The checks this JVM can make: streamy's own options (Flink's are the job jar's to check), the
   * settings, and, for the local cluster, the broker, the topic and the output folder (its
   * TaskManagers run on this machine, so what holds here holds there).
   */
  private static boolean check(List<String> args, boolean local) {
    List<String> ours = ours(args);
    ParameterValidator.Result result =
        ParameterValidator.validateOptions(IngestOptions.class, "ingest", ours, Set.of());
    if (!result.valid()) {
      result.problems().forEach(problem -> System.err.println("streamy: " + problem));
      return false;
    }
    IngestOptions options = PipelineArgs.parse(IngestOptions.class, ours);
    Settings settings = Settings.from(options);
    if (local) {
      Preflight.checkIngest(settings);
    }
    return true;
  }

  /** The arguments that are streamy's ingest options (the rest are Flink's or Beam's). */
  private static List<String> ours(List<String> args) {
    Set<String> known = PipelineArgs.knownOptionNames(IngestOptions.class);
    List<String> ours = new ArrayList<>();
    for (String arg : args) {
      int equals = arg.indexOf('=');
      String name = arg.substring(Math.min(2, arg.length()), equals < 0 ? arg.length() : equals);
      if (known.contains(name)) {
        ours.add(arg);
      }
    }
    return ours;
  }

  private static Path jar() {
    Path jar = Checkout.flinkJar();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException(
          "the Flink job jar "
              + jar
              + " is missing: build it with `mvn -q -DskipTests package -pl runners/flink -am`,"
              + " or let ./streamy build it (it does on first use)");
    }
    return jar;
  }

  /** Adds {@code jitFlag} after {@code java} unless STREAMY_JAVA_OPTS already tunes the JIT. */
  private static void addUnlessTuned(List<String> command, String jitFlag) {
    if (command.stream().noneMatch(a -> a.contains("Tiered"))) {
      command.add(1, jitFlag);
    }
  }

  /**
   * {@code java} with this JVM's log level and {@code STREAMY_JAVA_OPTS}, so the job jar's JVM logs
   * as this one does.
   */
  private static List<String> javaCommand() {
    List<String> command = new ArrayList<>();
    command.add(LocalProcesses.javaBinary());
    String opts = System.getenv("STREAMY_JAVA_OPTS");
    if (opts != null && !opts.isBlank()) {
      command.addAll(Arrays.asList(opts.trim().split("\\s+")));
    }
    command.add(
        "-D"
            + Streamy.LOG_LEVEL_PROPERTY
            + "="
            + System.getProperty(Streamy.LOG_LEVEL_PROPERTY, "warn"));
    return command;
  }
}
