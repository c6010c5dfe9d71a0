package dev.streamy.runners;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.annotation.Nullable;

/** The files of a local Flink cluster's folder, and the processes its pid files name. */
@AutoValue
abstract class FlinkClusterFolder {

  private static final Pattern TASK_MANAGER_PID = Pattern.compile("^taskmanager-(\\d+)\\.pid$");

  abstract Path dir();

  static FlinkClusterFolder of(Path dir) {
    return new AutoValue_FlinkClusterFolder(dir);
  }

  Path conf() {
    return dir().resolve("conf");
  }

  Path config() {
    return conf().resolve("config.yaml");
  }

  Path pids() {
    return dir().resolve("pids");
  }

  Path tmp() {
    return dir().resolve("tmp");
  }

  Path log(String name) {
    return dir().resolve("log").resolve(name);
  }

  /** The jars the cluster was started from; the checkout's when not recorded. */
  Path lib() {
    try {
      return Path.of(Files.readString(dir().resolve("lib-dir"), StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      return Checkout.flinkLib();
    }
  }

  @Nullable
  Integer restPort() {
    try {
      return Integer.valueOf(
          Files.readString(dir().resolve("rest-port"), StandardCharsets.UTF_8).trim());
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  Optional<Long> pid(String file) {
    try {
      return Optional.of(
          Long.valueOf(Files.readString(pids().resolve(file), StandardCharsets.UTF_8).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  Optional<ProcessHandle> jobManager() {
    return pid("jobmanager.pid").flatMap(this::clusterProcess);
  }

  /** The pid of each TaskManager pid file, by its number k. */
  Map<Integer, Long> taskManagerPids() {
    Map<Integer, Long> pids = new TreeMap<>();
    if (!Files.isDirectory(pids())) {
      return pids;
    }
    try (Stream<Path> files = Files.list(pids())) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Matcher name = TASK_MANAGER_PID.matcher(file.getFileName().toString());
        if (name.matches()) {
          pid(file.getFileName().toString())
              .ifPresent(pid -> pids.put(Integer.valueOf(name.group(1)), pid));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pids;
  }

  /** The running TaskManagers, by their number k. */
  Map<Integer, ProcessHandle> taskManagers() {
    Map<Integer, ProcessHandle> running = new TreeMap<>();
    taskManagerPids().forEach((k, pid) -> clusterProcess(pid).ifPresent(p -> running.put(k, p)));
    return running;
  }

  /**
   * The process {@code pid} when it runs and is a Flink JVM of this folder (its command line names
   * this folder's conf), so that a recycled pid is never reported or stopped.
   */
  Optional<ProcessHandle> clusterProcess(long pid) {
    return ProcessHandle.of(pid)
        .filter(LocalProcesses::isRunning)
        .filter(
            p -> {
              List<String> args = Arrays.asList(p.info().arguments().orElse(new String[0]));
              int at = args.indexOf("--configDir");
              return at >= 0 && at + 1 < args.size() && args.get(at + 1).equals(conf().toString());
            });
  }

  void clearPids() throws IOException {
    if (Files.isDirectory(pids())) {
      try (Stream<Path> files = Files.list(pids())) {
        for (Path file : (Iterable<Path>) files::iterator) {
          if (file.toString().endsWith(".pid")) {
            Files.deleteIfExists(file);
          }
        }
      }
    }
    Files.deleteIfExists(dir().resolve("rest-port"));
  }
}
