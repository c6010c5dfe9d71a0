package dev.streamy.runners;

import static org.junit.Assert.assertEquals;

import dev.streamy.io.ReadKafkaRecords;
import dev.streamy.transforms.SourceRecord;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;

/**
 * A bounded read ({@code --maxRecords}) of a real, unevenly filled topic finishes with exactly the
 * records asked for: a keyed topic rarely fills its partitions evenly.
 */
public class BoundedKafkaReadTest {

  private static LocalKafka kafka;

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = LocalKafka.start();
    kafka.createTopic("skewed", 3);
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      // 40 records in partition 0, 2 in partition 1, none in partition 2.
      for (int i = 0; i < 42; i++) {
        byte[] value = ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>("skewed", i < 40 ? 0 : 1, null, value)).get();
      }
    }
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  public void readsExactlyTheAskedRecordsFromAnUnevenTopic() {
    PCollection<String> read =
        pipeline
            .apply(
                ReadKafkaRecords.from(kafka.bootstrapServers(), "skewed")
                    .withConsumerGroup("bounded-read-test")
                    .withMaxRecords(42))
            .apply(
                MapElements.into(TypeDescriptors.strings())
                    .via((SourceRecord r) -> r.getPartition() + "/" + r.getOffset()));

    Set<String> expected = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      expected.add("0/" + i);
    }
    expected.add("1/0");
    expected.add("1/1");
    PAssert.that(read).containsInAnyOrder(expected);
    assertEquals(org.apache.beam.sdk.PipelineResult.State.DONE, pipeline.run().waitUntilFinish());
  }
}
