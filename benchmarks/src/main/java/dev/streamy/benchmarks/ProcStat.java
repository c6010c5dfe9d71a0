package dev.streamy.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * What Linux's {@code /proc/<pid>} says of a running process: CPU time used so far (user + system,
 * its own threads) and resident memory, current and peak (VmHWM), which can be reset so that a peak
 * belongs to one run.
 */
final class ProcStat {

  /** Clock ticks per second of {@code /proc/<pid>/stat} (USER_HZ, 100 on every Linux here). */
  static final double TICKS_PER_SECOND = 100.0;

  private ProcStat() {}

  /** User + system CPU seconds of {@code pid} so far; empty when it does not run. */
  static java.util.OptionalDouble cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long utime = Long.parseLong(fields[11]); // field 14
      long stime = Long.parseLong(fields[12]); // field 15
      return java.util.OptionalDouble.of((utime + stime) / TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      return java.util.OptionalDouble.empty();
    }
  }

  /** Peak resident memory of {@code pid} in KiB (VmHWM), since start or the last reset. */
  static OptionalLong peakRssKib(long pid) {
    return statusKib(pid, "VmHWM:");
  }

  /** Resident memory of {@code pid} now, in KiB. */
  static OptionalLong rssKib(long pid) {
    return statusKib(pid, "VmRSS:");
  }

  /**
   * Resets the peak resident memory of {@code pid} to its current one (Linux 4.0+: {@code echo 5 >
   * clear_refs}).
   *
   * @return whether the kernel took it
   */
  static boolean resetPeakRss(long pid) {
    try {
      Files.writeString(
          Path.of("/proc", Long.toString(pid), "clear_refs"), "5", StandardCharsets.US_ASCII);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static OptionalLong statusKib(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field)) {
          return OptionalLong.of(
              Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]));
        }
      }
    } catch (IOException | RuntimeException e) {
      // ended
    }
    return OptionalLong.empty();
  }
}
