package dev.streamy.runners.flink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.streamy.runners.flink.FlinkPresets.UnsafeFlinkSettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.runners.flink.FlinkRunner;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class FlinkPresetsTest {

  private static final String[] REQUIRED = {
    "--bootstrapServers=localhost:9092", "--inputTopic=recentchange", "--output=/tmp/out"
  };

  private static StreamyFlinkOptions options(String... extra) {
    List<String> args = new ArrayList<>(Arrays.asList(REQUIRED));
    args.addAll(Arrays.asList(extra));
    return FlinkPresets.fromArgs(args.toArray(new String[0]));
  }

  private static String refusal(String... extra) {
    return assertThrows(UnsafeFlinkSettingsException.class, () -> options(extra)).getMessage();
  }

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void anEmbeddedRunsCheckpointFolderIsItsOwnAndTheGoneRunsFoldersAreDeleted()
      throws Exception {
    Path parent = temp.getRoot().toPath();
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path left = Files.createDirectories(parent.resolve("run-" + gone.pid() + "-1/chk-3"));
    Files.writeString(left.resolve("_metadata"), "x");
    long self = ProcessHandle.current().pid();
    Path running = Files.createDirectories(parent.resolve("run-" + self + "-2"));
    Path other = Files.createDirectories(parent.resolve("kept"));

    Path mine = FlinkPresets.localCheckpoints(parent);

    assertTrue(mine.getFileName().toString().startsWith("run-" + self + "-"));
    assertTrue(Files.isDirectory(mine));
    assertFalse(Files.exists(left.getParent()));
    assertTrue(Files.isDirectory(running));
    assertTrue(Files.isDirectory(other));
  }

  @Test
  public void streamingChecksPointsByDefaultAndRunsOnFlink() {
    StreamyFlinkOptions options = options();
    assertEquals(FlinkRunner.class, options.getRunner());
    assertEquals("streamy-ingest", options.getJobName());
    assertEquals(
        FlinkPresets.DEFAULT_CHECKPOINT_INTERVAL_MS, (long) options.getCheckpointingInterval());
  }

  @Test
  public void aGivenCheckpointIntervalIsKept() {
    assertEquals(5_000L, (long) options("--checkpointingInterval=5000").getCheckpointingInterval());
  }

  @Test
  public void streamingToARemoteClusterIsDetachedUnlessTheUserSaysOtherwise() {
    assertFalse(options("--flinkMaster=localhost:8081").getAttachedMode());
    assertTrue(options("--flinkMaster=[local]").getAttachedMode());
    assertTrue(options("--flinkMaster=localhost:8081", "--attachedMode=true").getAttachedMode());
  }

  @Test
  public void aStreamOnARemoteClusterKeepsItsCheckpointsWhenCancelledToResumeFrom() {
    StreamyFlinkOptions remote = options("--flinkMaster=localhost:8081");
    assertTrue(remote.isExternalizedCheckpointsEnabled());
    assertTrue(remote.getRetainExternalizedCheckpointsOnCancellation());
    assertTrue(remote.getResumePreviousJob());
    assertFalse(
        options(
                "--flinkMaster=localhost:8081",
                "--retainExternalizedCheckpointsOnCancellation=false")
            .getRetainExternalizedCheckpointsOnCancellation());
  }

  @Test
  public void theJobIsNamedAfterItsSinkIdWhichANewSubmissionResumesBy() {
    assertEquals("streamy-ingest", options("--consumerGroup=streamy-ingest").getJobName());
    assertEquals("streamy-ingest-orders", options("--sinkId=orders").getJobName());
    assertEquals("streamy-ingest-team-a", options("--consumerGroup=team-a").getJobName());
    assertEquals("mine", options("--sinkId=orders", "--jobName=mine").getJobName());
  }

  @Test
  public void boundedRunsGetReIterableGroupByKeyResultsAndNoCheckpoints() {
    StreamyFlinkOptions options = options("--maxRecords=100");
    assertTrue(options.getReIterableGroupByKeyResult());
    assertEquals(-1L, (long) options.getCheckpointingInterval());
    assertFalse(
        options("--maxRecords=100", "--reIterableGroupByKeyResult=false")
            .getReIterableGroupByKeyResult());
  }

  @Test
  public void aBackfillIsABoundedRun() {
    for (String backfill :
        List.of(
            "--startOffsets=0:5", "--endOffsets=0:9", "--startTime=0", "--endTime=1764806400000")) {
      StreamyFlinkOptions options = options(backfill, "--flinkMaster=[local]");
      assertTrue(backfill, options.getReIterableGroupByKeyResult());
      assertEquals(backfill, -1L, (long) options.getCheckpointingInterval());
      assertNull(backfill, options.getStateBackend());
    }
  }

  @Test
  public void streamingWithCheckpointingOffIsRefusedNamingTheOption() {
    String message = refusal("--checkpointingInterval=-1");
    assertThat(message, containsString("--checkpointingInterval"));
    assertThat(message, containsString("--allowUnsafeFlinkSettings"));
  }

  @Test
  public void atLeastOnceCheckpointsAreRefused() {
    assertThat(refusal("--checkpointingMode=AT_LEAST_ONCE"), containsString("--checkpointingMode"));
  }

  @Test
  public void aJobThatNeverRestartsIsRefused() {
    assertThat(
        refusal("--numberOfExecutionRetries=0"), containsString("--numberOfExecutionRetries"));
  }

  @Test
  public void everyProblemIsListedAtOnce() {
    String message = refusal("--checkpointingInterval=0", "--numberOfExecutionRetries=0");
    assertThat(message, containsString("--checkpointingInterval"));
    assertThat(message, containsString("--numberOfExecutionRetries"));
  }

  @Test
  public void theUserCanForceUnsafeSettings() {
    StreamyFlinkOptions options =
        options("--checkpointingInterval=-1", "--allowUnsafeFlinkSettings=true");
    assertEquals(-1L, (long) options.getCheckpointingInterval());
  }

  @Test
  public void safeSettingsAreAccepted() {
    StreamyFlinkOptions options =
        options("--checkpointingMode=exactly_once", "--numberOfExecutionRetries=3");
    assertEquals(3, (int) options.getNumberOfExecutionRetries());
  }

  @Test
  public void elementsPassByReferenceButStateIsStillCopied() {
    for (StreamyFlinkOptions options : List.of(options(), options("--maxRecords=100"))) {
      assertTrue(options.getObjectReuse());
      assertFalse(options.getFasterCopy());
    }
    assertFalse(options("--objectReuse=false").getObjectReuse());
  }

  @Test
  public void anEmbeddedStreamCheckpointsToALocalFolderNotTheJobManagersMemory() {
    StreamyFlinkOptions embedded = options("--flinkMaster=[local]");
    assertEquals("filesystem", embedded.getStateBackend());
    // Beside the output, per sink id (the consumer group unless --sinkId), kept after the run.
    assertEquals(
        Path.of("/tmp/out/.streamy-checkpoints/streamy-ingest"),
        Path.of(java.net.URI.create(embedded.getStateBackendStoragePath())));
    assertTrue(embedded.isExternalizedCheckpointsEnabled());
    assertTrue(embedded.getRetainExternalizedCheckpointsOnCancellation());
    assertTrue("drain takes the stable-input buffers", embedded.getEnableStableInputDrain());
    // An output the runner cannot checkpoint to: a temporary folder of the run's own.
    StreamyFlinkOptions remote =
        FlinkPresets.fromArgs(
            "--bootstrapServers=localhost:9092",
            "--inputTopic=recentchange",
            "--output=gs://bucket/out",
            "--flinkMaster=[local]");
    assertTrue(
        java.nio.file.Files.isDirectory(
            java.nio.file.Path.of(java.net.URI.create(remote.getStateBackendStoragePath()))));
    // A cluster has its own checkpoint storage, and a bounded run has no checkpoints.
    assertNull(options("--flinkMaster=localhost:8081").getStateBackend());
    assertNull(options("--flinkMaster=[local]", "--maxRecords=100").getStateBackend());
    assertEquals(
        "rocksdb",
        options(
                "--flinkMaster=[local]",
                "--stateBackend=rocksdb",
                "--stateBackendStoragePath=file:///tmp/x")
            .getStateBackend());
  }

  @Test
  public void anEmbeddedStreamResumesFromTheLastCheckpointOfItsSinkAndDropsOlderRuns()
      throws Exception {
    Path output = temp.newFolder("out").toPath();
    Path folder = output.resolve(".streamy-checkpoints").resolve("job-a");
    Path old = Files.createDirectories(folder.resolve("job-1").resolve("chk-7"));
    Files.writeString(old.resolve("_metadata"), "old");
    Files.setLastModifiedTime(
        old.resolve("_metadata"), java.nio.file.attribute.FileTime.fromMillis(1_000));
    Path latest = Files.createDirectories(folder.resolve("job-2").resolve("chk-3"));
    Files.writeString(latest.resolve("_metadata"), "new");
    // A checkpoint that never completed has no metadata: never restored.
    Files.createDirectories(folder.resolve("job-2").resolve("chk-4"));
    String[] args = {
      "--bootstrapServers=localhost:9092",
      "--inputTopic=recentchange",
      "--output=" + output,
      "--sinkId=job-a",
      "--flinkMaster=[local]"
    };

    StreamyFlinkOptions resumed = FlinkPresets.fromArgs(args);
    assertEquals(latest.toString(), resumed.getSavepointPath());
    // The embedded mini-cluster restores what its Flink configuration names.
    assertThat(
        Files.readString(Path.of(resumed.getFlinkConfDir()).resolve("flink-conf.yaml")),
        containsString("execution.savepoint.path: " + latest.toUri()));
    assertFalse("the superseded run's checkpoints are gone", Files.exists(folder.resolve("job-1")));
    assertTrue(Files.exists(latest.resolve("_metadata")));

    // Another sink id has no checkpoints of its own: it starts afresh.
    args[3] = "--sinkId=job-b";
    assertNull(FlinkPresets.fromArgs(args).getSavepointPath());
  }
}
