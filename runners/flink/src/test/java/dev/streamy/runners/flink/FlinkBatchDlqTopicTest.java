package dev.streamy.runners.flink;

import static org.junit.Assert.assertEquals;

import dev.streamy.io.WriteDeadLetters;
import dev.streamy.runners.LocalKafka;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.SourceRecord;
import dev.streamy.transforms.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The DLQ topic sink in a bounded run on Flink (batch mode), with more dead letters than one of
 * Flink's sort buffers holds (about 17 MB here): each is sent once. A stateful sender made Flink
 * sort the whole grouped pane as one record, and such a run failed.
 */
public class FlinkBatchDlqTopicTest {

  private static final int DEAD_LETTERS = 400;
  private static final int VALUE_BYTES = 64 * 1024; // the DLQ's cut for TOO_LARGE: 25 MB in all

  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  @Test
  public void aBoundedRunSendsMoreDeadLettersThanASortBufferHoldsEachOnce() throws Exception {
    try (LocalKafka kafka = LocalKafka.start()) {
      kafka.createTopic("big.dlq", 1);
      byte[] value = new byte[VALUE_BYTES];
      Arrays.fill(value, (byte) 'x');
      List<DeadLetter> deadLetters =
          IntStream.range(0, DEAD_LETTERS)
              .mapToObj(
                  offset ->
                      DeadLetter.of(
                              SourceRecord.create(
                                  "events",
                                  offset % 2,
                                  offset,
                                  Instant.parse("2024-08-22T13:00:05Z"),
                                  null,
                                  value,
                                  List.of()),
                              Stage.PARSE,
                              ErrorCode.PARSE_ERROR)
                          .build())
              .collect(Collectors.toList());

      FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
      options.setRunner(FlinkRunner.class);
      options.setFlinkMaster("[local]");
      options.setParallelism(2);
      // The embedded ingest's share of managed memory per sort, as the 300k-record bench had it.
      Path conf = folder.newFolder("flink-conf").toPath();
      Files.writeString(conf.resolve("flink-conf.yaml"), "taskmanager.memory.managed.size: 32m\n");
      options.setFlinkConfDir(conf.toString());
      Pipeline pipeline = Pipeline.create(options);
      pipeline
          .apply(Create.of(deadLetters).withCoder(DeadLetter.coder()))
          .apply(
              WriteDeadLetters.stampedAs("test", "1")
                  .toTopic(kafka.bootstrapServers(), "big.dlq", Map.of())
                  .withSinkId("batch"));
      pipeline.run().waitUntilFinish();

      Map<String, Integer> once = new HashMap<>();
      IntStream.range(0, DEAD_LETTERS).forEach(offset -> once.put(offset % 2 + "/" + offset, 1));
      assertEquals(once, SinkContents.deadLetterTopic(kafka, "big.dlq").copies());
    }
  }
}
