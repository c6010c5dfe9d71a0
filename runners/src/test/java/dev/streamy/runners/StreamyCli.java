package dev.streamy.runners;

import static org.junit.Assert.assertTrue;

import com.google.auto.value.AutoValue;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code ./streamy} as a user does, in its own process: the real shim and the real CLI main,
 * on what the build has built ({@code STREAMY_SKIP_BUILD=1}).
 */
public final class StreamyCli {

  /** The {@code ./streamy} of this checkout. */
  public static final Path SCRIPT = checkout().resolve("streamy");

  private StreamyCli() {}

  /** What a run printed (stdout and stderr together), its exit code and how long it took. */
  @AutoValue
  public abstract static class Result {
    public abstract int exitCode();

    public abstract String output();

    public abstract Duration elapsed();

    /** The output's non-blank lines. */
    public List<String> lines() {
      return Arrays.stream(output().split("\n")).filter(line -> !line.isBlank()).toList();
    }
  }

  /** {@code ./streamy args...}, with its output in a file under {@code folder}. */
  public static Result run(Path folder, String... args) throws IOException, InterruptedException {
    return run(folder, Map.of(), args);
  }

  /** As {@link #run(Path, String...)}, with {@code environment} added to this one's. */
  public static Result run(Path folder, Map<String, String> environment, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    Path log = Files.createTempFile(folder, "streamy-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(folder.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    // The build that runs this test has built everything the script needs.
    builder.environment().put("STREAMY_SKIP_BUILD", "1");
    builder.environment().putAll(environment);
    long started = System.nanoTime();
    Process process = builder.start();
    boolean exited = process.waitFor(5, TimeUnit.MINUTES);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    if (!exited) {
      process.destroyForcibly();
    }
    assertTrue("./streamy finished in time:\n" + Files.readString(log), exited);
    return new AutoValue_StreamyCli_Result(process.exitValue(), Files.readString(log), elapsed);
  }

  /**
   * Starts {@code ./streamy args...} and returns at once; its output (stdout and stderr together)
   * goes to {@code log}. The process is the CLI's JVM itself (the shim execs it).
   */
  public static Process start(Path folder, Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(folder.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().put("STREAMY_SKIP_BUILD", "1");
    return builder.start();
  }

  /** The checkout: the first folder above the working directory that holds {@code streamy}. */
  private static Path checkout() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("streamy"))
          && Files.isDirectory(dir.resolve("runners"))) {
        return dir;
      }
    }
    throw new IllegalStateException("not inside the streamy checkout");
  }
}
