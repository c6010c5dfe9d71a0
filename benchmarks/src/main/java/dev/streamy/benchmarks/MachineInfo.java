package dev.streamy.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The machine a run was measured on, from {@code /proc} and {@code nproc}. */
final class MachineInfo {

  private MachineInfo() {}

  /** CPU model, logical CPUs ({@code nproc}), memory, kernel and Java, in that order. */
  static Map<String, String> describe() {
    Map<String, String> info = new LinkedHashMap<>();
    List<String> cpuinfo = lines(Path.of("/proc/cpuinfo"));
    info.put("cpu", field(cpuinfo, "model name"));
    info.put(
        "cpuinfo processors",
        Long.toString(cpuinfo.stream().filter(l -> l.startsWith("processor")).count()));
    info.put("cpu MHz", field(cpuinfo, "cpu MHz"));
    info.put("nproc", nproc());
    info.put("memory", field(lines(Path.of("/proc/meminfo")), "MemTotal"));
    info.put("kernel", String.join(" ", lines(Path.of("/proc/sys/kernel/osrelease"))));
    info.put(
        "java",
        System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.home")
            + ")");
    info.put(
        "load average before",
        String.join(" ", lines(Path.of("/proc/loadavg"))).replaceAll("^(\\S+ \\S+ \\S+).*", "$1"));
    return info;
  }

  private static String nproc() {
    try {
      Process nproc = new ProcessBuilder("nproc").redirectErrorStream(true).start();
      String out = new String(nproc.getInputStream().readAllBytes()).trim();
      nproc.waitFor();
      return out;
    } catch (IOException e) {
      return Integer.toString(Runtime.getRuntime().availableProcessors());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  private static String field(List<String> lines, String name) {
    for (String line : lines) {
      if (line.startsWith(name)) {
        int colon = line.indexOf(':');
        return colon < 0 ? "" : line.substring(colon + 1).trim();
      }
    }
    return "?";
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      return List.of();
    }
  }
}
