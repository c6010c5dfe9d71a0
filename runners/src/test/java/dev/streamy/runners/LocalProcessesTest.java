package dev.streamy.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The process helper shared by the local Kafka broker and the local Flink cluster. */
public class LocalProcessesTest {

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private Process shell(String script, boolean detached) throws Exception {
    Path dir = temp.getRoot().toPath();
    return LocalProcesses.launch(
        List.of("bash", "-c", script), dir, dir.resolve("out.log"), detached, Map.of());
  }

  @Test
  public void freePortsAreDistinctAndFree() throws Exception {
    int[] ports = LocalProcesses.freePorts(5);
    Set<Integer> distinct = IntStream.of(ports).boxed().collect(Collectors.toSet());
    assertEquals(5, distinct.size());
    for (int port : ports) {
      assertFalse(LocalProcesses.portInUse(port));
    }
  }

  @Test
  public void stopTermsThenKillsAProcessThatIgnoresTerm() throws Exception {
    Process stubborn = shell("trap '' TERM; echo ready; while true; do sleep 1; done", false);
    Path out = temp.getRoot().toPath().resolve("out.log");
    LocalProcesses.await(
        "for the trap",
        Duration.ofSeconds(10),
        List.of(LocalProcesses.Watched.of("shell", stubborn.toHandle(), List.of(out))),
        () -> Files.readString(out).contains("ready"));
    List<ProcessHandle> killed =
        LocalProcesses.stop(List.of(stubborn.toHandle()), Duration.ofMillis(500));
    assertEquals(List.of(stubborn.toHandle()), killed);
    assertFalse(LocalProcesses.isRunning(stubborn.toHandle()));
  }

  @Test
  public void stopEndsAProcessThatHonoursTermWithoutKilling() throws Exception {
    Process polite = shell("exec sleep 60", false);
    assertEquals(
        List.of(), LocalProcesses.stop(List.of(polite.toHandle()), Duration.ofSeconds(10)));
    assertTrue("reaped", polite.waitFor(5, TimeUnit.SECONDS));
    assertEquals("ended by TERM", 128 + 15, polite.exitValue());
  }

  @Test
  public void aWaitEndsWithTheLogTailWhenTheWatchedProcessDies() throws Exception {
    Process dying = shell("echo 'port 1234 already in use'; exit 3", false);
    Path out = temp.getRoot().toPath().resolve("out.log");
    LocalProcesses.ProcessEndedException e =
        assertThrows(
            LocalProcesses.ProcessEndedException.class,
            () ->
                LocalProcesses.await(
                    "for Godot",
                    Duration.ofSeconds(30),
                    List.of(LocalProcesses.Watched.of("the shell", dying.toHandle(), List.of(out))),
                    () -> false));
    assertThat(e.getMessage(), containsString("the shell (pid " + dying.pid() + ") ended"));
    assertThat(e.getMessage(), containsString("port 1234 already in use"));
  }

  @Test
  public void aWaitTimesOut() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                LocalProcesses.await(
                    "for nothing", Duration.ofMillis(300), List.of(), () -> false));
    assertThat(e.getMessage(), containsString("timed out"));
  }

  @Test
  public void aDetachedProcessHasASessionOfItsOwnAndItsPidFileNamesIt() throws Exception {
    Process detached = shell("exec sleep 60", true);
    try {
      Path pidFile = temp.getRoot().toPath().resolve("sleep.pid");
      LocalProcesses.writePid(pidFile, detached.pid());
      assertEquals(detached.pid(), LocalProcesses.readPid(pidFile).orElseThrow().pid());
      // The pid this JVM holds becomes sleep itself (setsid does not fork another process), in a
      // session and a process group of its own.
      String pid = Long.toString(detached.pid());
      LocalProcesses.await(
          "for setsid to exec sleep",
          Duration.ofSeconds(10),
          List.of(LocalProcesses.Watched.of("sleep", detached.toHandle(), List.of())),
          () -> detached.toHandle().info().command().orElse("").endsWith("/sleep"));
      assertEquals("its own session leader", pid, statFields(detached.pid())[3]);
      assertEquals("in a process group of its own", pid, statFields(detached.pid())[2]);
    } finally {
      LocalProcesses.stop(List.of(detached.toHandle()), Duration.ofSeconds(10));
    }
    assertTrue(LocalProcesses.readPid(temp.getRoot().toPath().resolve("sleep.pid")).isEmpty());
  }

  /** The fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session, ... */
  private static String[] statFields(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }
}
