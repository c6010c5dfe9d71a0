package dev.streamy.benchmarks;

import com.google.auto.value.AutoValue;

/**
 * One contestant's timed run: wall and CPU time, peak memory, and whether its output matched the
 * ledger. CPU and memory include the Flink cluster's JVMs for runs on the cluster.
 */
@AutoValue
abstract class RunResult {

  abstract String contestant();

  abstract String description();

  /** The exact command, as a shell would take it. */
  abstract String command();

  abstract long records();

  /** From launch to the end (bounded), or to {@code records_read = N} (streaming). */
  abstract double wallSeconds();

  /** The launched process tree's user + system CPU seconds. */
  abstract double clientCpuSeconds();

  /** The Flink JobManager's and TaskManagers' CPU seconds over the run; 0 off the cluster. */
  abstract double clusterCpuSeconds();

  /** Peak resident memory of the largest process the command started, MiB. */
  abstract double clientPeakRssMb();

  /** The cluster JVMs' peak resident memory over the run, added up, MiB; 0 off the cluster. */
  abstract double clusterPeakRssMb();

  abstract int exitCode();

  /** Whether the output (or the counters) matched the ledger exactly. */
  abstract boolean checkPassed();

  abstract String check();

  /** The machine's 1-minute load average when the run started (-1 if unknown). */
  abstract double loadAverage();

  /** Anything the figures need to be read with; empty when nothing. */
  abstract String note();

  static Builder builder() {
    return new AutoValue_RunResult.Builder()
        .setClusterCpuSeconds(0)
        .setClusterPeakRssMb(0)
        .setLoadAverage(-1)
        .setNote("");
  }

  abstract Builder toBuilder();

  double cpuSeconds() {
    return clientCpuSeconds() + clusterCpuSeconds();
  }

  double peakRssMb() {
    return clientPeakRssMb() + clusterPeakRssMb();
  }

  /** Records per wall-clock second; 0 for a run that failed before it finished. */
  double recordsPerSecond() {
    return wallSeconds() > 0 && exitCode() == 0 ? records() / wallSeconds() : 0;
  }

  double recordsPerCpuSecond() {
    return cpuSeconds() > 0 && exitCode() == 0 ? records() / cpuSeconds() : 0;
  }

  /** A run that failed, lost or duplicated records, or did not finish. */
  boolean failed() {
    return exitCode() != 0 || !checkPassed();
  }

  /** Builds a {@link RunResult}. */
  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setContestant(String contestant);

    abstract Builder setDescription(String description);

    abstract Builder setCommand(String command);

    abstract Builder setRecords(long records);

    abstract Builder setWallSeconds(double wallSeconds);

    abstract Builder setClientCpuSeconds(double seconds);

    abstract Builder setClusterCpuSeconds(double seconds);

    abstract Builder setClientPeakRssMb(double mb);

    abstract Builder setClusterPeakRssMb(double mb);

    abstract Builder setExitCode(int exitCode);

    abstract Builder setCheckPassed(boolean passed);

    abstract Builder setCheck(String check);

    abstract Builder setLoadAverage(double loadAverage);

    abstract Builder setNote(String note);

    abstract RunResult build();
  }
}
