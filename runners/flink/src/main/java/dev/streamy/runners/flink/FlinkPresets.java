package dev.streamy.runners.flink;

import dev.streamy.pipelines.IngestPipeline;
import dev.streamy.pipelines.Settings;
import dev.streamy.templates.PipelineArgs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.beam.runners.flink.FlinkRunner;

/**
 * The settings that make the ingest pipeline safe on Flink, applied to the options a user gave.
 *
 * <p>Presets, where the user set nothing: a streaming run checkpoints every {@value
 * #DEFAULT_CHECKPOINT_INTERVAL_MS} ms (Kafka offsets are part of the checkpoint and are committed
 * when it completes; {@code enable.auto.commit} stays false, see {@code ReadKafkaRecords}) and its
 * bundles end after {@value #DEFAULT_MAX_BUNDLE_TIME_MS} ms or {@value #DEFAULT_MAX_BUNDLE_SIZE}
 * elements; elements pass between chained operators by reference ({@code --objectReuse}); and a
 * streaming job submitted to a remote cluster is detached, so the client does not wait forever. A
 * bounded run gets the re-iterable GroupByKey results that IcebergIO needs on Flink's batch mode.
 *
 * <p>{@code --fasterCopy} stays off: it also makes the coder serializer's {@code copy()} return its
 * argument, and the heap state backend's copy-on-write snapshots rely on that copy, so a snapshot
 * would share the combine's mutable accumulators with live state.
 *
 * <p>Refused, unless {@code --allowUnsafeFlinkSettings}: a streaming run with checkpointing off
 * (offsets never committed, a restart re-reads from the group's old offsets or loses position),
 * at-least-once checkpoints and no restarts. Each refusal names the option to change.
 */
public final class FlinkPresets {

  /** Checkpoint interval of a streaming run on Flink when none is given. */
  public static final long DEFAULT_CHECKPOINT_INTERVAL_MS = 10_000;

  /** Beam's name for Flink's embedded mini-cluster as {@code --flinkMaster}. */
  private static final String LOCAL = "[local]";

  private FlinkPresets() {}

  /**
   * Reads {@code args} as the Flink job's options (no secret reaches Beam's log of them) and
   * applies the presets and the checks.
   */
  public static StreamyFlinkOptions fromArgs(String... args) {
    StreamyFlinkOptions options = PipelineArgs.parse(StreamyFlinkOptions.class, List.of(args));
    Set<String> set = explicitlySet(args);
    if (!set.contains("runner")) {
      options.setRunner(FlinkRunner.class);
    }
    apply(options, set);
    return options;
  }

  /**
   * Fills in the presets the user did not set ({@code set} names the options given explicitly) and
   * refuses unsafe combinations with an {@link UnsafeFlinkSettingsException}.
   */
  static void apply(StreamyFlinkOptions options, Set<String> set) {
    if (!set.contains("jobName")) {
      // What the web UI and `flink list` show, and what a resubmission resumes by: one name per
      // sink id.
      String sinkId = sinkId(options);
      options.setJobName(
          sinkId == null || sinkId.equals(IngestPipeline.NAME)
              ? IngestPipeline.NAME
              : IngestPipeline.NAME + "-" + sinkId);
    }
    // No DoFn of the pipeline changes its input or an element after output (the DirectRunner's
    // immutability check, on in every test, proves it), so chained operators can share elements
    // instead of copying each through its coder (CopyingChainingOutput: 15% of a streaming run).
    if (!set.contains("objectReuse")) {
      options.setObjectReuse(true);
    }
    boolean streaming = !Settings.isBounded(options);
    if (streaming) {
      if (!set.contains("checkpointingInterval")) {
        options.setCheckpointingInterval(DEFAULT_CHECKPOINT_INTERVAL_MS);
      }
      // `flink stop --drain` fires every window; the steps that wait for a checkpoint before
      // they publish or commit (@RequiresStableInput) must take their last input then, or the job
      // fails at the end of the drain ("watermark holds left", Beam issue 28554). What they
      // release early is safe: every sink takes each file and dead letter once.
      if (!set.contains("enableStableInputDrain")) {
        options.setEnableStableInputDrain(true);
      }
      if (isRemote(options.getFlinkMaster())) {
        if (!set.contains("attachedMode")) {
          options.setAttachedMode(false);
        }
        // Whatever the cluster's configuration says, a cancelled job keeps its last checkpoint,
        // which the next submission of the job resumes from (see ClusterResume).
        if (!set.contains("externalizedCheckpointsEnabled")) {
          options.setExternalizedCheckpointsEnabled(true);
        }
        if (!set.contains("retainExternalizedCheckpointsOnCancellation")) {
          options.setRetainExternalizedCheckpointsOnCancellation(true);
        }
      }
      if (LOCAL.equals(options.getFlinkMaster())
          && !set.contains("stateBackend")
          && !set.contains("stateBackendFactory")) {
        // The embedded mini-cluster has no flink-conf: without this its checkpoints go to the
        // JobManager's memory, which refuses any state over 5 MB, so every checkpoint of a real
        // stream fails and the job restarts. Heap state, checkpoints in a local folder.
        options.setStateBackend("filesystem");
        Path kept = EmbeddedCheckpoints.folder(options.getOutput(), sinkId(options));
        if (kept == null) {
          options.setStateBackendStoragePath(localCheckpoints().toUri().toString());
        } else {
          resumeFrom(options, set, kept);
        }
      }
    } else if (!set.contains("reIterableGroupByKeyResult")) {
      options.setReIterableGroupByKeyResult(true);
    }
    if (LOCAL.equals(options.getFlinkMaster()) && options.getMetricsPort() > 0) {
      reportMetrics(options, set);
    }
    List<String> problems = streaming ? streamingProblems(options) : List.of();
    if (!problems.isEmpty() && !options.getAllowUnsafeFlinkSettings()) {
      throw new UnsafeFlinkSettingsException(problems);
    }
  }

  /**
   * Gives the embedded mini-cluster Flink's Prometheus reporter on {@code --metricsPort}: its
   * configuration folder ({@code --flinkConfDir}, written here, or the restore configuration
   * already chosen) gets the reporter's keys. A user's own {@code --flinkConfDir} is left as it is.
   */
  private static void reportMetrics(StreamyFlinkOptions options, Set<String> set) {
    if (set.contains("flinkConfDir")) {
      return;
    }
    try {
      Path conf =
          options.getFlinkConfDir() == null
              ? Files.createTempDirectory("streamy-flink-conf")
              : Path.of(options.getFlinkConfDir());
      Path file = conf.resolve("flink-conf.yaml");
      String earlier = Files.exists(file) ? Files.readString(file) : "";
      Files.writeString(
          file,
          earlier
              + "# Written by streamy: --metricsPort, Flink's Prometheus reporter.\n"
              + "metrics.reporter.prom.factory.class:"
              + " org.apache.flink.metrics.prometheus.PrometheusReporterFactory\n"
              + "metrics.reporter.prom.port: "
              + options.getMetricsPort()
              + "\n");
      options.setFlinkConfDir(conf.toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot write the metrics configuration", e);
    }
  }

  /**
   * Keeps the embedded run's checkpoints in {@code folder} after the run ends however it ends, and
   * restores the last one a run there left ({@code --savepointPath} names another).
   *
   * <p>Beam's FlinkRunner hands {@code --savepointPath} only to a remote cluster; the embedded
   * mini-cluster takes the restore path from its Flink configuration, so the run gets a
   * configuration folder ({@code --flinkConfDir}) that names it.
   */
  private static void resumeFrom(StreamyFlinkOptions options, Set<String> set, Path folder) {
    options.setStateBackendStoragePath(folder.toUri().toString());
    options.setExternalizedCheckpointsEnabled(true);
    options.setRetainExternalizedCheckpointsOnCancellation(true);
    if (set.contains("flinkConfDir")) {
      return; // the user's own configuration says where to restore from, if anywhere
    }
    Optional<Path> from =
        set.contains("savepointPath")
            ? Optional.of(Path.of(options.getSavepointPath()))
            : EmbeddedCheckpoints.latest(folder);
    from.ifPresent(
        checkpoint -> {
          options.setSavepointPath(checkpoint.toString());
          options.setFlinkConfDir(EmbeddedCheckpoints.restoreConfig(folder, checkpoint).toString());
          if (!set.contains("savepointPath")) {
            EmbeddedCheckpoints.deleteOlder(folder, checkpoint);
          }
          System.err.println(
              "streamy: resuming from "
                  + checkpoint
                  + ", the last checkpoint of the previous run with this output and sink id"
                  + " (delete "
                  + folder
                  + " to start from the consumer group's offsets instead)");
        });
  }

  /** The sink id the job will run as: {@code --sinkId}, else the consumer group. */
  private static String sinkId(StreamyFlinkOptions options) {
    String sinkId = options.getSinkId();
    return sinkId != null && !sinkId.isBlank() ? sinkId : options.getConsumerGroup();
  }

  private static List<String> streamingProblems(StreamyFlinkOptions options) {
    List<String> problems = new ArrayList<>();
    Long interval = options.getCheckpointingInterval();
    if (interval == null || interval <= 0) {
      problems.add(
          "--checkpointingInterval="
              + interval
              + ": streaming from Kafka on Flink needs checkpointing. Without it Kafka offsets are"
              + " never committed and a restart cannot resume where the job was. Set"
              + " --checkpointingInterval to a positive number of milliseconds (the preset is "
              + DEFAULT_CHECKPOINT_INTERVAL_MS
              + ").");
    }
    String mode = options.getCheckpointingMode();
    if (mode != null && !mode.trim().toUpperCase(Locale.ROOT).equals("EXACTLY_ONCE")) {
      problems.add(
          "--checkpointingMode="
              + mode
              + ": at-least-once checkpoints can duplicate records after a restore. Use"
              + " --checkpointingMode=EXACTLY_ONCE.");
    }
    Integer retries = options.getNumberOfExecutionRetries();
    if (retries != null && retries == 0) {
      problems.add(
          "--numberOfExecutionRetries=0: the job would fail for good at the first lost"
              + " TaskManager. Leave it unset (the cluster's restart strategy applies) or set it"
              + " above 0.");
    }
    return problems;
  }

  /**
   * A fresh folder for the checkpoints of one embedded run, under the system's temp folder, deleted
   * when this JVM exits. A restarted run resumes from the consumer group's committed offsets, never
   * from these checkpoints, so they have no use after the run; folders that runs killed without a
   * shutdown left behind are deleted here, on the next run.
   */
  static Path localCheckpoints() {
    Path folder =
        localCheckpoints(Path.of(System.getProperty("java.io.tmpdir"), "streamy-checkpoints"));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(folder)));
    return folder;
  }

  /**
   * A fresh {@code run-<pid>-*} folder under {@code parent}, after deleting the folders there of
   * processes that are gone.
   */
  static Path localCheckpoints(Path parent) {
    try {
      Files.createDirectories(parent);
      try (DirectoryStream<Path> runs = Files.newDirectoryStream(parent, "run-*-*")) {
        for (Path run : runs) {
          String[] parts = run.getFileName().toString().split("-", 3);
          if (parts[1].matches("[0-9]{1,18}")
              && ProcessHandle.of(Long.parseLong(parts[1])).isEmpty()) {
            deleteQuietly(run);
          }
        }
      }
      return Files.createTempDirectory(parent, "run-" + ProcessHandle.current().pid() + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create a folder for the embedded run's checkpoints", e);
    }
  }

  static void deleteQuietly(Path folder) {
    try (Stream<Path> paths = Files.walk(folder)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // Best effort: a folder left behind is deleted by the next run.
    }
  }

  static boolean isRemote(String flinkMaster) {
    return flinkMaster != null && !flinkMaster.startsWith("[");
  }

  /** The option names given in {@code args} ({@code --name=value} or a bare {@code --name}). */
  static Set<String> explicitlySet(String... args) {
    Set<String> names = new HashSet<>();
    for (String arg : args) {
      if (arg.startsWith("--")) {
        int equals = arg.indexOf('=');
        names.add(equals < 0 ? arg.substring(2) : arg.substring(2, equals));
      }
    }
    return names;
  }

  /** The options would let a crash lose or duplicate data; the message says what to change. */
  public static final class UnsafeFlinkSettingsException extends IllegalArgumentException {
    UnsafeFlinkSettingsException(List<String> problems) {
      super(
          "unsafe Flink settings, refused:\n  - "
              + String.join("\n  - ", problems)
              + "\nChange the options above, or pass --allowUnsafeFlinkSettings=true to run"
              + " anyway.");
    }
  }
}
