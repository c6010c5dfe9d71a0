package dev.streamy.runners;

import com.google.auto.value.AutoValue;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The local daemon JVMs streamy starts (the Kafka broker, the Flink JobManager and TaskManagers):
 * free loopback ports, launching with the output in a log file, pid files, waiting for readiness
 * while watching the processes, stopping with TERM and then KILL, and log tails for messages.
 */
final class LocalProcesses {

  /** How often a wait re-checks; a watched process that ends wakes it at once. */
  static final Duration POLL_INTERVAL = Duration.ofMillis(100);

  private static final Duration KILL_TIMEOUT = Duration.ofSeconds(5);
  private static final int TAIL_LINES = 40;

  private LocalProcesses() {}

  /** {@code count} distinct loopback ports free at the time of the call. */
  static int[] freePorts(int count) throws IOException {
    // Hold all sockets open until every port is chosen, so the same port is not returned twice.
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }

  /** Whether something accepts connections on the loopback {@code port}. */
  static boolean portInUse(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException free) {
      return false;
    }
  }

  /** The {@code java} of this JVM. */
  static String javaBinary() {
    Path home = Paths.get(System.getProperty("java.home"), "bin", "java");
    if (Files.isExecutable(home)) {
      return home.toString();
    }
    return ProcessHandle.current().info().command().orElse("java");
  }

  /**
   * Starts {@code command} in {@code directory} with no input and its output and errors appended to
   * {@code output}. A {@code detached} process gets a session of its own ({@code setsid}): it
   * outlives this JVM, and neither a Ctrl-C nor a closed terminal reaches it.
   */
  static Process launch(
      List<String> command,
      Path directory,
      Path output,
      boolean detached,
      Map<String, String> environment)
      throws IOException {
    List<String> full = new ArrayList<>();
    if (detached) {
      full.add(onPath("setsid").orElse(onPath("nohup").orElse("nohup")));
    }
    full.addAll(command);
    ProcessBuilder builder =
        new ProcessBuilder(full)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().putAll(environment);
    return builder.start();
  }

  private static Optional<String> onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String folder : path.split(File.pathSeparator)) {
      Path candidate = Paths.get(folder, program);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate.toString());
      }
    }
    return Optional.empty();
  }

  /** A process a wait watches: its name in messages and the logs whose tail explains its end. */
  @AutoValue
  abstract static class Watched {
    abstract String name();

    abstract ProcessHandle process();

    abstract List<Path> logs();

    static Watched of(String name, ProcessHandle process, List<Path> logs) {
      return new AutoValue_LocalProcesses_Watched(name, process, List.copyOf(logs));
    }
  }

  /**
   * A readiness check. A checked exception (a refused connection, a timed-out request) counts as
   * "not yet"; an unchecked one ends the wait.
   */
  @FunctionalInterface
  interface Readiness {
    boolean ready() throws Exception;
  }

  /**
   * Checks {@code readiness} until it holds.
   *
   * @throws ProcessEndedException when a watched process ends first, with its log tails
   * @throws IllegalStateException when it does not hold within {@code timeout}
   */
  static void await(String what, Duration timeout, List<Watched> watched, Readiness readiness) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (Watched process : watched) {
        if (!isRunning(process.process())) {
          throw new ProcessEndedException(
              process.name()
                  + " (pid "
                  + process.process().pid()
                  + ") ended while waiting "
                  + what
                  + tail(process.logs()));
        }
      }
      try {
        if (readiness.ready()) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting " + what, e);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception notYet) {
        // not ready yet
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "timed out after "
                + timeout.toSeconds()
                + " s waiting "
                + what
                + watched.stream().map(w -> tail(w.logs())).collect(Collectors.joining()));
      }
      awaitAnyExit(watched.stream().map(Watched::process).toList(), POLL_INTERVAL);
    }
  }

  /** Waits up to {@code timeout} for one of {@code processes} to end. */
  private static void awaitAnyExit(List<ProcessHandle> processes, Duration timeout) {
    try {
      CompletableFuture<?>[] exits =
          processes.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new);
      if (exits.length == 0) {
        Thread.sleep(timeout.toMillis()); // nothing to watch: a bounded polling interval
      } else {
        CompletableFuture.anyOf(exits).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (TimeoutException | ExecutionException notYet) {
      // the interval passed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * Whether {@code process} runs: alive and not a zombie (a killed process whose parent has not
   * reaped it yet still counts as alive for {@link ProcessHandle#isAlive}).
   */
  static boolean isRunning(ProcessHandle process) {
    if (!process.isAlive()) {
      return false;
    }
    Path stat = Paths.get("/proc", Long.toString(process.pid()), "stat");
    try {
      String text = Files.readString(stat, StandardCharsets.UTF_8);
      int end = text.lastIndexOf(')');
      return end < 0 || end + 2 >= text.length() || text.charAt(end + 2) != 'Z';
    } catch (IOException | UncheckedIOException e) {
      return process.isAlive(); // no /proc here, or the process just ended
    }
  }

  /**
   * Stops {@code processes}: TERM to all, and KILL to those still running after {@code timeout}.
   *
   * @return the processes that had to be killed
   */
  static List<ProcessHandle> stop(Collection<ProcessHandle> processes, Duration timeout) {
    processes.forEach(ProcessHandle::destroy);
    List<ProcessHandle> alive = awaitEnd(processes, timeout);
    alive.forEach(ProcessHandle::destroyForcibly);
    awaitEnd(alive, KILL_TIMEOUT);
    return alive;
  }

  /** Waits until every process has ended or {@code timeout} passed; returns those still running. */
  private static List<ProcessHandle> awaitEnd(
      Collection<ProcessHandle> processes, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<ProcessHandle> alive =
          processes.stream().filter(LocalProcesses::isRunning).collect(Collectors.toList());
      if (alive.isEmpty() || System.nanoTime() - deadline > 0) {
        return alive;
      }
      awaitAnyExit(alive, POLL_INTERVAL);
    }
  }

  static void writePid(Path file, long pid) throws IOException {
    Files.writeString(file, pid + "\n", StandardCharsets.UTF_8);
  }

  /** The process of a pid file, when the file exists and the process runs. */
  static Optional<ProcessHandle> readPid(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8).trim();
      return ProcessHandle.of(Long.parseLong(text)).filter(LocalProcesses::isRunning);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The last lines of each non-empty log, each under a {@code --- name} header. */
  static String tail(List<Path> logs) {
    StringBuilder out = new StringBuilder();
    for (Path log : logs) {
      String tail = fileTail(log);
      if (!tail.isEmpty()) {
        out.append("\n--- ").append(log).append(tail);
      }
    }
    return out.toString();
  }

  private static String fileTail(Path file) {
    if (!Files.isRegularFile(file)) {
      return "";
    }
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      if (lines.isEmpty()) {
        return "";
      }
      return "\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "\n(cannot read " + file + ": " + e + ")";
    }
  }

  /** Deletes {@code dir} and everything in it, as far as possible. */
  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // Best effort: a leftover temp folder is not worth failing a test or a shutdown for.
    }
  }

  /** A watched process ended while it was being waited for; the message has its log tails. */
  static class ProcessEndedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    ProcessEndedException(String message) {
      super(message);
    }
  }
}
