package dev.streamy.runners;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import javax.annotation.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code streamy flink-cluster}: a real local Flink session cluster ({@link LocalFlinkCluster}).
 */
@Command(
    name = "flink-cluster",
    description = {
      "A real local Apache Flink session cluster: 1 JobManager (with the web UI) and N"
          + " TaskManagers, each its own JVM on localhost, from Maven's Flink jars.",
      "Its folder (--dir, default $STREAMY_FLINK_DIR or <checkout>/.streamy/flink-cluster) holds"
          + " conf/config.yaml, log/, pids/, rest-port, checkpoints/ and savepoints/.",
      "Environment: STREAMY_FLINK_JM_MEMORY / STREAMY_FLINK_TM_MEMORY set the process sizes"
          + " (default 1024m / 4096m); STREAMY_FLINK_LIB the jars."
    },
    synopsisSubcommandLabel = "(start | stop | status | add-taskmanager | flink)")
final class FlinkClusterCommand implements Callable<Integer> {

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help.")
  boolean help;

  @Spec CommandLine.Model.CommandSpec spec;

  /** The cluster folder option every subcommand takes. */
  static final class Dir {
    @Option(
        names = "--dir",
        paramLabel = "DIR",
        description =
            "The cluster's folder. Default: $STREAMY_FLINK_DIR, else .streamy/flink-cluster.")
    @Nullable
    Path dir;

    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help.")
    boolean help;

    Path get() {
      return dir != null ? dir.toAbsolutePath() : Checkout.flinkDir();
    }
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(System.err);
    return Streamy.USAGE;
  }

  @Command(
      name = "start",
      description =
          "Start the cluster and wait until every TaskManager has registered; print the web UI.")
  int start(
      @Mixin Dir dir,
      @Option(
              names = "--taskmanagers",
              defaultValue = "2",
              paramLabel = "N",
              description = "TaskManagers to start (default: ${DEFAULT-VALUE}).")
          int taskManagers,
      @Option(
              names = "--slots",
              defaultValue = "2",
              paramLabel = "S",
              description = "Slots per TaskManager (default: ${DEFAULT-VALUE}).")
          int slots,
      @Option(
              names = "--rest-port",
              paramLabel = "P",
              description = "REST and web UI port; default 8081 when free, else a free one.")
          @Nullable
          Integer restPort,
      @Option(
              names = "--lib",
              paramLabel = "LIBDIR",
              description = "Flink's jars; default $STREAMY_FLINK_LIB, else the build's copy.")
          @Nullable
          Path lib)
      throws Exception {
    LocalFlinkCluster.Config.Builder config =
        LocalFlinkCluster.Config.builder()
            .setDir(dir.get())
            .setLib(lib != null ? lib : Checkout.flinkLib())
            .setTaskManagers(taskManagers)
            .setSlots(slots)
            .setRestPort(restPort);
    String jobManagerMemory = System.getenv("STREAMY_FLINK_JM_MEMORY");
    String taskManagerMemory = System.getenv("STREAMY_FLINK_TM_MEMORY");
    if (jobManagerMemory != null && !jobManagerMemory.isBlank()) {
      config.setJobManagerMemory(jobManagerMemory);
    }
    if (taskManagerMemory != null && !taskManagerMemory.isBlank()) {
      config.setTaskManagerMemory(taskManagerMemory);
    }
    LocalFlinkCluster.start(config.build(), System.out);
    return Streamy.OK;
  }

  @Command(
      name = "stop",
      description =
          "Stop every JVM of the cluster (TERM, then KILL after 15 s); logs and checkpoints stay.")
  int stop(@Mixin Dir dir) throws Exception {
    LocalFlinkCluster.stop(dir.get(), System.out);
    return Streamy.OK;
  }

  @Command(
      name = "status",
      description =
          "Processes, web UI, registered TaskManagers, slots and jobs; exit code 0 when the"
              + " JobManager runs, 3 when not.")
  int status(@Mixin Dir dir) {
    return LocalFlinkCluster.status(dir.get(), System.out);
  }

  @Command(
      name = "add-taskmanager",
      description = "Start one more TaskManager and wait until it has registered.")
  int addTaskManager(@Mixin Dir dir) throws Exception {
    LocalFlinkCluster cluster =
        LocalFlinkCluster.running(dir.get())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "no Flink cluster running in "
                            + dir.get()
                            + " (start one with: ./streamy flink-cluster start)"));
    cluster.addTaskManager(System.out);
    return Streamy.OK;
  }

  @Command(
      name = "flink",
      description = {
        "Run the Flink CLI against this cluster, e.g.",
        "  streamy flink-cluster flink -- list",
        "  streamy flink-cluster flink -- run -d job.jar --arg=1",
        "  streamy flink-cluster flink -- cancel <job id>"
      })
  int flink(
      @Mixin Dir dir,
      @Parameters(paramLabel = "<flink CLI argument>", description = "After --: Flink's own.")
          @Nullable
          List<String> args)
      throws Exception {
    return LocalFlinkCluster.flink(dir.get(), args == null ? List.of() : new ArrayList<>(args));
  }
}
