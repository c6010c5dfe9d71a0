package dev.streamy.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The harness's results: the console table, {@code results.md}, {@code results.json}, the SVG. */
final class Reports {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** What a whole harness run was: when, on what, with which command and data. */
  static final class Context {
    final String date;
    final String benchCommand;
    final long records;
    final String data;
    final Map<String, String> machine;

    Context(
        String date, String benchCommand, long records, String data, Map<String, String> machine) {
      this.date = date;
      this.benchCommand = benchCommand;
      this.records = records;
      this.data = data;
      this.machine = machine;
    }
  }

  private Reports() {}

  /** The figures as a fixed-width table, one row per run. */
  static String table(List<RunResult> runs) {
    Optional<RunResult> baseline = baseline(runs);
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%-20s %9s %8s %8s %9s %11s %11s %9s  %s%n",
            "contestant",
            "N",
            "wall s",
            "CPU s",
            "RSS MB",
            "records/s",
            "rec/CPU-s",
            "vs base",
            "ledger check"));
    for (RunResult run : runs) {
      out.append(
          String.format(
              Locale.ROOT,
              "%-20s %9d %8.1f %8.1f %9.0f %11.0f %11.0f %9s  %s%n",
              run.contestant(),
              run.records(),
              run.wallSeconds(),
              run.cpuSeconds(),
              run.peakRssMb(),
              run.recordsPerSecond(),
              run.recordsPerCpuSecond(),
              ratio(run, baseline),
              run.check()));
    }
    return out.toString();
  }

  /** Writes {@code results.md}, {@code results.json} and {@code records-per-second.svg}. */
  static void write(Path out, Context context, List<RunResult> runs) throws IOException {
    Files.createDirectories(out);
    Files.writeString(out.resolve("results.md"), markdown(context, runs), StandardCharsets.UTF_8);
    Files.writeString(out.resolve("results.json"), json(context, runs), StandardCharsets.UTF_8);
    Files.writeString(
        out.resolve("records-per-second.svg"),
        BarChart.svg(
            "streamy ingest, N = "
                + String.format(Locale.ROOT, "%,d", context.records)
                + " records, "
                + context.date
                + ", "
                + context.machine.getOrDefault("nproc", "?")
                + " CPUs",
            runs),
        StandardCharsets.UTF_8);
  }

  static String markdown(Context context, List<RunResult> runs) {
    Optional<RunResult> baseline = baseline(runs);
    StringBuilder md = new StringBuilder();
    md.append("# streamy end-to-end benchmark, ")
        .append(context.date)
        .append(", N = ")
        .append(String.format(Locale.ROOT, "%,d", context.records))
        .append("\n\n");
    md.append("Produced by `").append(context.benchCommand).append("`.\n\n");
    md.append(context.data).append("\n\n");
    long failed = runs.stream().filter(RunResult::failed).count();
    if (failed > 0) {
      md.append("**")
          .append(failed)
          .append(
              " run(s) FAILED** (did not finish, or their output does not match the ledger):"
                  + " their figures do not count.\n\n");
    }
    md.append(
        "| contestant | N | wall s | CPU s | peak RSS MB | records/s | records/CPU-s |"
            + " rec/CPU-s vs baseline | ledger check |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (RunResult run : runs) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %.1f | %.1f | %.0f | %,.0f | %,.0f | %s | %s |%n",
              run.contestant(),
              run.records(),
              run.wallSeconds(),
              run.cpuSeconds(),
              run.peakRssMb(),
              run.recordsPerSecond(),
              run.recordsPerCpuSecond(),
              ratio(run, baseline),
              (run.failed() ? "**" : "")
                  + run.check().replace("|", "/")
                  + (run.failed() ? "**" : "")));
    }
    md.append("\n![records per second](records-per-second.svg)\n\n");
    md.append("## Breakdown\n\n");
    md.append(
        "| contestant | client CPU s | cluster CPU s | client peak RSS MB | cluster peak RSS MB |"
            + " load avg at start | exit | note |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (RunResult run : runs) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f | %.1f | %.0f | %.0f | %.2f | %d | %s |%n",
              run.contestant(),
              run.clientCpuSeconds(),
              run.clusterCpuSeconds(),
              run.clientPeakRssMb(),
              run.clusterPeakRssMb(),
              run.loadAverage(),
              run.exitCode(),
              run.note()));
    }
    md.append("\n## Commands\n\n");
    for (RunResult run : runs) {
      md.append("- ")
          .append(run.contestant())
          .append(" (")
          .append(run.description())
          .append("):\n");
      md.append("  `").append(run.command()).append("`\n");
    }
    md.append("\n## Machine\n\n");
    context.machine.forEach(
        (k, v) -> md.append("- ").append(k).append(": ").append(v).append("\n"));
    md.append(
        "\n## How it is measured\n\n"
            + "Each contestant runs alone, one after another, as a child process started under"
            + " GNU `/usr/bin/time`. wall s: from launch to exit, JVM start included (streaming:"
            + " from launch until the job's `records_read` counter reached N). CPU s: user +"
            + " system seconds of the launched process tree (a launcher's child JVM included) and,"
            + " on the Flink cluster, of the JobManager and TaskManagers over the run (from"
            + " `/proc/<pid>/stat`). peak RSS MB: the largest process of the tree (`/usr/bin/time`"
            + " %M) plus, on the cluster, the JobManager's and TaskManagers' VmHWM added up (reset"
            + " before each run). The Kafka broker and the harness itself are not counted. A load"
            + " average at start well above 0 means other work shared the machine with the run.\n");
    return md.toString();
  }

  static String json(Context context, List<RunResult> runs) throws IOException {
    Optional<RunResult> baseline = baseline(runs);
    ObjectNode root = JSON.createObjectNode();
    root.put("date", context.date);
    root.put("command", context.benchCommand);
    root.put("records", context.records);
    root.put("data", context.data);
    ObjectNode machine = root.putObject("machine");
    context.machine.forEach(machine::put);
    ArrayNode list = root.putArray("runs");
    for (RunResult run : runs) {
      ObjectNode node = list.addObject();
      node.put("contestant", run.contestant());
      node.put("description", run.description());
      node.put("command", run.command());
      node.put("records", run.records());
      node.put("wallSeconds", round(run.wallSeconds()));
      node.put("cpuSeconds", round(run.cpuSeconds()));
      node.put("clientCpuSeconds", round(run.clientCpuSeconds()));
      node.put("clusterCpuSeconds", round(run.clusterCpuSeconds()));
      node.put("peakRssMb", round(run.peakRssMb()));
      node.put("clientPeakRssMb", round(run.clientPeakRssMb()));
      node.put("clusterPeakRssMb", round(run.clusterPeakRssMb()));
      node.put("recordsPerSecond", round(run.recordsPerSecond()));
      node.put("recordsPerCpuSecond", round(run.recordsPerCpuSecond()));
      String ratio = ratio(run, baseline);
      if (ratio.equals("n/a")) {
        node.putNull("recordsPerCpuSecondVsBaseline");
      } else {
        node.put("recordsPerCpuSecondVsBaseline", Double.parseDouble(ratio));
      }
      node.put("loadAverageAtStart", run.loadAverage());
      node.put("exitCode", run.exitCode());
      node.put("failed", run.failed());
      node.put("check", run.check());
      node.put("note", run.note());
    }
    return JSON.writeValueAsString(root) + "\n";
  }

  private static Optional<RunResult> baseline(List<RunResult> runs) {
    return runs.stream().filter(r -> r.contestant().equals("baseline") && !r.failed()).findFirst();
  }

  /** Records per CPU-second relative to the baseline's, e.g. {@code 0.25}. */
  private static String ratio(RunResult run, Optional<RunResult> baseline) {
    if (baseline.isEmpty() || run.failed() || baseline.get().recordsPerCpuSecond() <= 0) {
      return "n/a";
    }
    return String.format(
        Locale.ROOT, "%.3f", run.recordsPerCpuSecond() / baseline.get().recordsPerCpuSecond());
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
