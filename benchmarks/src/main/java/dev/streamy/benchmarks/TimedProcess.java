package dev.streamy.benchmarks;

import com.google.auto.value.AutoValue;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A contestant's process, started under GNU {@code /usr/bin/time}: when it ends, the kernel's
 * resource usage of the whole process tree it waited for (so a launcher's child JVM counts too)
 * gives its user and system CPU seconds and the peak resident memory of its largest process. Output
 * and errors go to a log file.
 */
final class TimedProcess {

  static final String TIME = "/usr/bin/time";

  private final Process process;
  private final Path timeFile;
  private final long startedNanos;

  private TimedProcess(Process process, Path timeFile, long startedNanos) {
    this.process = process;
    this.timeFile = timeFile;
    this.startedNanos = startedNanos;
  }

  /** Starts {@code command} in {@code directory} with {@code environment} added. */
  static TimedProcess start(
      List<String> command, Path directory, Map<String, String> environment, Path log)
      throws IOException {
    Path timeFile = log.resolveSibling(log.getFileName() + ".time");
    Files.deleteIfExists(timeFile);
    List<String> full =
        new ArrayList<>(List.of(TIME, "-f", "%e %U %S %M", "-o", timeFile.toString()));
    full.addAll(command);
    ProcessBuilder builder =
        new ProcessBuilder(full)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().putAll(environment);
    long started = System.nanoTime();
    return new TimedProcess(builder.start(), timeFile, started);
  }

  long startedNanos() {
    return startedNanos;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits for the process to end; after {@code timeout} it and every process it started are killed.
   */
  Usage await(Duration timeout) throws IOException, InterruptedException {
    boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    double wall = (System.nanoTime() - startedNanos) / 1e9;
    if (!ended) {
      kill();
      return Usage.create(-1, wall, 0, 0, 0, true);
    }
    String[] fields = lastLine(timeFile).trim().split("\\s+");
    return Usage.create(
        process.exitValue(),
        wall,
        Double.parseDouble(fields[1]),
        Double.parseDouble(fields[2]),
        Long.parseLong(fields[3]),
        false);
  }

  /** Kills the process and everything it started. */
  void kill() throws InterruptedException {
    List<ProcessHandle> tree = new ArrayList<>();
    process.toHandle().descendants().forEach(tree::add);
    tree.forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  private static String lastLine(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (!lines.get(i).isBlank()) {
        return lines.get(i);
      }
    }
    throw new IOException(TIME + " wrote nothing to " + file);
  }

  /** What {@code /usr/bin/time} measured. */
  @AutoValue
  abstract static class Usage {
    static Usage create(
        int exitCode, double wall, double user, double system, long maxRssKib, boolean timedOut) {
      return new AutoValue_TimedProcess_Usage(exitCode, wall, user, system, maxRssKib, timedOut);
    }

    abstract int exitCode();

    /** Seconds from start to end, as this JVM saw them. */
    abstract double wallSeconds();

    abstract double userSeconds();

    abstract double systemSeconds();

    /** Peak resident memory of the largest process of the tree, KiB. */
    abstract long maxRssKib();

    abstract boolean timedOut();

    double cpuSeconds() {
      return userSeconds() + systemSeconds();
    }
  }
}
