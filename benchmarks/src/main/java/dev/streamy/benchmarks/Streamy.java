package dev.streamy.benchmarks;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The repository's {@code ./streamy} launcher, as users run it. After {@link #build} it runs with
 * {@code STREAMY_SKIP_BUILD=1}, so no contestant is timed while Maven rebuilds something.
 */
final class Streamy {

  private final Path home;
  private final Map<String, String> environment;

  /**
   * @param home the checkout
   * @param environment added to every run (e.g. {@code STREAMY_FLINK_DIR})
   */
  Streamy(Path home, Map<String, String> environment) {
    this.home = home;
    this.environment = Map.copyOf(environment);
  }

  Path home() {
    return home;
  }

  /** The launcher script. */
  Path script() {
    return home.resolve("streamy");
  }

  /** What every timed run gets in its environment. */
  Map<String, String> environment() {
    Map<String, String> env = new HashMap<>(environment);
    env.put("STREAMY_SKIP_BUILD", "1");
    return env;
  }

  /**
   * Lets the launcher build what is stale, once: the CLI ({@code ./streamy help}) and, when {@code
   * flink}, the Flink job jar and the cluster's jars ({@code ./streamy flink-cluster status}, which
   * only reports).
   */
  void build(boolean flink, Path log) throws IOException, InterruptedException {
    Map<String, String> env = new HashMap<>(environment);
    env.put("STREAMY_SKIP_BUILD", "0");
    if (run(List.of("help"), env, log, Duration.ofMinutes(20)) != 0) {
      throw new IllegalStateException("./streamy help failed; see " + log);
    }
    if (flink) {
      int status = run(List.of("flink-cluster", "status"), env, log, Duration.ofMinutes(20));
      if (status != 0 && status != 3) {
        throw new IllegalStateException("./streamy flink-cluster status failed; see " + log);
      }
    }
  }

  /** Runs {@code ./streamy args} (no build), appending its output to {@code log}; the exit code. */
  int run(List<String> args, Path log, Duration timeout) throws IOException, InterruptedException {
    return run(args, environment(), log, timeout);
  }

  private int run(List<String> args, Map<String, String> env, Path log, Duration timeout)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(script().toString());
    command.addAll(args);
    Files.createDirectories(log.toAbsolutePath().getParent());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new IllegalStateException(
          "./streamy " + String.join(" ", args) + " took over " + timeout + "; see " + log);
    }
    return process.exitValue();
  }
}
