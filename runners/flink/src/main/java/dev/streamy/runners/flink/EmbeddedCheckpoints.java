package dev.streamy.runners.flink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import javax.annotation.Nullable;

/**
 * Where a streaming run on the embedded mini-cluster keeps its checkpoints, so that the next run
 * with the same output and sink id resumes from the last one instead of from the consumer group's
 * offsets: {@code <output>/.streamy-checkpoints/<sink id>/<job id>/chk-<n>/_metadata}, as Flink's
 * file checkpoint storage lays them out.
 *
 * <p>The group's offsets are committed when a checkpoint completes, while the records of an open
 * window are still only in that checkpoint's state (the file lists, the deduplication, the
 * aggregates). A new job that started from the group's offsets would skip them; a job restored from
 * the checkpoint holds them, and replays the rest into sinks that take each file and dead letter
 * once.
 */
final class EmbeddedCheckpoints {

  /** The folder under the output that holds the checkpoints of every sink id. */
  static final String FOLDER = ".streamy-checkpoints";

  private static final String METADATA = "_metadata";

  /** The folder beside the job folders with the Flink configuration that restores one. */
  private static final String RESTORE_CONF = "restore-conf";

  private EmbeddedCheckpoints() {}

  /**
   * The checkpoint folder of {@code sinkId} under {@code output}, or null when the output is not a
   * local path (the checkpoints then go to a temporary folder, as the runner cannot write them
   * there without its file-system plugins).
   */
  static @Nullable Path folder(String output, String sinkId) {
    String local = output;
    if (output.startsWith("file://")) {
      local = output.substring("file://".length());
    } else if (output.contains("://")) {
      return null;
    }
    return Path.of(local).toAbsolutePath().normalize().resolve(FOLDER).resolve(sinkId);
  }

  /** The newest complete checkpoint ({@code chk-<n>} with its metadata) under {@code folder}. */
  static Optional<Path> latest(Path folder) {
    if (!Files.isDirectory(folder)) {
      return Optional.empty();
    }
    try (Stream<Path> jobs = Files.list(folder)) {
      return jobs.filter(Files::isDirectory)
          .flatMap(EmbeddedCheckpoints::checkpoints)
          .max(Comparator.comparing(EmbeddedCheckpoints::written));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the checkpoints in " + folder, e);
    }
  }

  /**
   * Deletes the job folders under {@code folder} whose checkpoints are all older than {@code kept}
   * (runs that {@code kept}'s run superseded), never {@code kept}'s own.
   */
  static void deleteOlder(Path folder, Path kept) {
    FileTime keptTime = written(kept);
    Path keptJob = kept.getParent();
    try (DirectoryStream<Path> jobs = Files.newDirectoryStream(folder)) {
      for (Path job : jobs) {
        if (job.equals(keptJob)
            || !Files.isDirectory(job)
            || job.getFileName().toString().equals(RESTORE_CONF)) {
          continue;
        }
        Optional<FileTime> newest;
        try (Stream<Path> checkpoints = checkpoints(job)) {
          newest = checkpoints.map(EmbeddedCheckpoints::written).max(Comparator.naturalOrder());
        }
        FileTime jobTime = newest.orElse(Files.getLastModifiedTime(job));
        if (jobTime.compareTo(keptTime) < 0) {
          FlinkPresets.deleteQuietly(job);
        }
      }
    } catch (IOException e) {
      // Best effort: an old folder left behind is deleted by a later run.
    }
  }

  /**
   * A Flink configuration folder ({@code flink-conf.yaml}) under {@code folder} that restores the
   * job from {@code checkpoint}.
   */
  static Path restoreConfig(Path folder, Path checkpoint) {
    Path conf = folder.resolve(RESTORE_CONF);
    try {
      Files.createDirectories(conf);
      Files.writeString(
          conf.resolve("flink-conf.yaml"),
          "# Written by streamy: the embedded run restores the last checkpoint of the run before.\n"
              + "execution.savepoint.path: "
              + checkpoint.toUri()
              + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the restore configuration in " + conf, e);
    }
    return conf;
  }

  private static Stream<Path> checkpoints(Path job) {
    try {
      return Files.list(job)
          .filter(chk -> chk.getFileName().toString().startsWith("chk-"))
          .filter(chk -> Files.isRegularFile(chk.resolve(METADATA)));
    } catch (IOException e) {
      return Stream.empty();
    }
  }

  private static FileTime written(Path checkpoint) {
    try {
      return Files.getLastModifiedTime(checkpoint.resolve(METADATA));
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }
}
