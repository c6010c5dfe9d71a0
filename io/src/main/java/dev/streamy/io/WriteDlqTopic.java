package dev.streamy.io;

import dev.streamy.options.KafkaConfig;
import dev.streamy.transforms.StreamyCounters;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends dead letters to the DLQ topic so that a consumer reading with {@code
 * isolation.level=read_committed} sees each one once, however often the runner replays them.
 *
 * <p>The records are gathered (at the end of bounded input; every {@link #FLUSH_EVERY} for
 * unbounded input) on one key and, past the runner's stable-input boundary (on Flink, once the
 * checkpoint that holds them has completed), each pane is sent in one Kafka transaction by a
 * producer with the transactional id {@code streamy-dlq-<sink id>}. Every record carries the sink
 * id in a {@value #SINK_ID} header.
 *
 * <p>The idempotency token is each dead letter's own source coordinates ({@code
 * dlq.source.topic/partition/offset}), as Iceberg's committer here checks each file: a job can
 * number nothing before the stable-input boundary safely, since Beam's Flink runner may release a
 * pane before its checkpoint completes. When a producer starts, {@code initTransactions} fences and
 * aborts whatever an earlier producer of the sink left open; then the producer reads the DLQ topic
 * back ({@code read_committed}) from the time of the last pane its restored state had sent (less
 * {@link #CLOCK_SKEW}; without state, {@link #STATELESS_LOOKBACK}) and collects the coordinates
 * this sink already sent. Those it skips, counted as {@code dlq_records_already_sent}. A dead
 * letter without source coordinates is always sent.
 */
final class WriteDlqTopic extends PTransform<PCollection<ProducerRecord<byte[], byte[]>>, PDone> {

  /** How long a streaming job gathers dead letters before it sends them. */
  static final org.joda.time.Duration FLUSH_EVERY = org.joda.time.Duration.standardSeconds(1);

  /** Header naming the sink that sent a DLQ record. */
  static final String SINK_ID = "dlq.sink.id";

  /** How much earlier than the restored state's last send the read-back starts. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(10);

  /** How far back a producer without state reads the topic (a job restarted without state). */
  static final Duration STATELESS_LOOKBACK = Duration.ofDays(1);

  private static final Logger LOG = LoggerFactory.getLogger(WriteDlqTopic.class);

  private final String bootstrapServers;
  private final String topic;
  private final Map<String, String> clientConfig;
  private final String sinkId;

  /**
   * Sends to {@code topic} at {@code bootstrapServers} with {@code clientConfig} (secrets included:
   * they are used, never shown), as sink {@code sinkId}.
   */
  WriteDlqTopic(
      String bootstrapServers, String topic, Map<String, String> clientConfig, String sinkId) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.clientConfig = Map.copyOf(clientConfig);
    this.sinkId = sinkId;
  }

  /** The producer's transactional id. */
  static String transactionalId(String sinkId) {
    return "streamy-dlq-" + sinkId;
  }

  /** The {@value #SINK_ID} header's value. */
  byte[] sinkIdHeader() {
    return sinkId.getBytes(StandardCharsets.UTF_8);
  }

  /** The bytes the {@value #SINK_ID} header adds to a record, length varints included. */
  int sinkIdHeaderBytes() {
    return SINK_ID.length() + sinkIdHeader().length + 10;
  }

  /** Adds the {@value #SINK_ID} header to a record made for this sink. */
  ProducerRecord<byte[], byte[]> owned(ProducerRecord<byte[], byte[]> record) {
    record.headers().add(SINK_ID, sinkIdHeader());
    return record;
  }

  @Override
  public PDone expand(PCollection<ProducerRecord<byte[], byte[]>> input) {
    WriteDeadLetters.ProducerRecordBytesCoder recordCoder =
        new WriteDeadLetters.ProducerRecordBytesCoder();
    Window<KV<Integer, ProducerRecord<byte[], byte[]>>> gather =
        input.isBounded() == PCollection.IsBounded.UNBOUNDED
            ? Window.<KV<Integer, ProducerRecord<byte[], byte[]>>>into(new GlobalWindows())
                .triggering(
                    Repeatedly.forever(
                        AfterProcessingTime.pastFirstElementInPane().plusDelayOf(FLUSH_EVERY)))
            : Window.<KV<Integer, ProducerRecord<byte[], byte[]>>>into(new GlobalWindows())
                .triggering(DefaultTrigger.of());
    input
        .apply("OneSender", WithKeys.of(0))
        .setCoder(KvCoder.of(VarIntCoder.of(), recordCoder))
        .apply(
            "Gather",
            gather.withAllowedLateness(org.joda.time.Duration.ZERO).discardingFiredPanes())
        .apply("GroupToSend", GroupByKey.create())
        .apply(
            "SendInTransactions",
            ParDo.of(
                input.isBounded() == PCollection.IsBounded.UNBOUNDED
                    ? new SendWithStateFn(this)
                    : new SendFn(this)));
    return PDone.in(input.getPipeline());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("bootstrapServers", bootstrapServers))
        .add(DisplayData.item("topic", topic))
        .add(DisplayData.item("transactionalId", transactionalId(sinkId)))
        .add(DisplayData.item("clientConfig", KafkaConfig.redacted(clientConfig).toString()));
  }

  /**
   * The producer settings: the user's, then what a transactional producer needs, and a {@code
   * batch.size} within the topic's {@code topicLimit} (null: unknown).
   */
  Map<String, Object> producerSettings(@Nullable Integer topicLimit) {
    Map<String, Object> settings = only(ProducerConfig.configNames());
    // A batch over the topic's max.message.bytes is refused whole; the producer then splits it by
    // batch.size, so a batch.size above the topic's limit would refuse and split forever.
    Object batchSize = settings.get(ProducerConfig.BATCH_SIZE_CONFIG);
    int batchBytes = batchSize == null ? 16_384 : Integer.parseInt(batchSize.toString().trim());
    if (topicLimit != null && batchBytes > topicLimit) {
      settings.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(topicLimit));
    }
    settings.put(ProducerConfig.ACKS_CONFIG, "all");
    settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(sinkId));
    return settings;
  }

  /**
   * The largest record batch the DLQ topic takes: its {@code max.message.bytes}, or the broker's
   * {@code message.max.bytes} while the topic does not exist yet (it is created with the broker's
   * default). Null when the cluster does not tell (no DescribeConfigs permission, an old broker):
   * then only the producer's own limit applies.
   */
  @Nullable
  Integer topicMaxMessageBytes() {
    Admin admin = Admin.create(only(AdminClientConfig.configNames()));
    try {
      try {
        return Integer.valueOf(
            config(admin, ConfigResource.Type.TOPIC, topic, TopicConfig.MAX_MESSAGE_BYTES_CONFIG));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw e;
        }
      }
      String node =
          admin
              .describeCluster()
              .nodes()
              .get(timeout().toMillis(), TimeUnit.MILLISECONDS)
              .iterator()
              .next()
              .idString();
      return Integer.valueOf(config(admin, ConfigResource.Type.BROKER, node, "message.max.bytes"));
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.warn(
          "Cannot read the max.message.bytes of DLQ topic {} ({}); dead letters are cut to the"
              + " producer's max.request.size only",
          topic,
          e instanceof ExecutionException ? e.getCause() : e);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } finally {
      admin.close(Duration.ZERO); // nothing pending is worth waiting for
    }
  }

  /** The value of config {@code name} of the topic or broker {@code resourceName}. */
  private String config(Admin admin, ConfigResource.Type type, String resourceName, String name)
      throws ExecutionException, InterruptedException, TimeoutException {
    ConfigResource resource = new ConfigResource(type, resourceName);
    Config config =
        admin
            .describeConfigs(List.of(resource))
            .all()
            .get(timeout().toMillis(), TimeUnit.MILLISECONDS)
            .get(resource);
    return config.get(name).value();
  }

  /** The settings of the consumer that reads the topic back, at the given isolation level. */
  Map<String, Object> consumerSettings(String isolationLevel) {
    Map<String, Object> settings = only(ConsumerConfig.configNames());
    settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
    settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    settings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
    return settings;
  }

  private Map<String, Object> only(Set<String> names) {
    Map<String, Object> settings = new HashMap<>();
    clientConfig.forEach(
        (key, value) -> {
          if (names.contains(key)) {
            settings.put(key, value);
          }
        });
    settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return settings;
  }

  /** How long a call to Kafka may take: the producer's {@code max.block.ms}, or 60 s. */
  Duration timeout() {
    String given = clientConfig.get(ProducerConfig.MAX_BLOCK_MS_CONFIG);
    return Duration.ofMillis(given == null ? 60_000 : Long.parseLong(given.trim()));
  }

  /**
   * The source coordinates of the dead letter {@code headers} describe ({@code
   * topic/partition/offset}), or null when it has none.
   */
  static @Nullable String coordinates(Iterable<Header> headers) {
    String sourceTopic = null;
    String partition = null;
    String offset = null;
    for (Header header : headers) {
      switch (header.key()) {
        case DeadLetterHeaders.SOURCE_TOPIC:
          sourceTopic = new String(header.value(), StandardCharsets.UTF_8);
          break;
        case DeadLetterHeaders.SOURCE_PARTITION:
          partition = new String(header.value(), StandardCharsets.UTF_8);
          break;
        case DeadLetterHeaders.SOURCE_OFFSET:
          offset = new String(header.value(), StandardCharsets.UTF_8);
          break;
        default:
      }
    }
    if (sourceTopic == null || partition == null || offset == null) {
      return null;
    }
    return sourceTopic + "/" + partition + "/" + offset;
  }

  /**
   * The coordinates of every dead letter this sink committed to the topic at or after {@code
   * sinceMillis}. Waits for transactions other producers hold open across that range (a {@code
   * read_committed} read cannot pass them) up to {@link #timeout} twice over, then fails: the
   * runner retries.
   */
  Set<String> sentSince(long sinceMillis) {
    Map<TopicPartition, Long> ends;
    List<TopicPartition> partitions;
    try (KafkaConsumer<byte[], byte[]> probe = consumer("read_uncommitted")) {
      partitions =
          probe.partitionsFor(topic, timeout()).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .collect(Collectors.toList());
      ends = probe.endOffsets(partitions, timeout());
    }
    Set<String> sent = new HashSet<>();
    byte[] self = sinkIdHeader();
    try (KafkaConsumer<byte[], byte[]> reader = consumer("read_committed")) {
      reader.assign(partitions);
      Map<TopicPartition, Long> query = new HashMap<>();
      partitions.forEach(partition -> query.put(partition, sinceMillis));
      Map<TopicPartition, OffsetAndTimestamp> starts = reader.offsetsForTimes(query, timeout());
      for (TopicPartition partition : partitions) {
        OffsetAndTimestamp start = starts.get(partition);
        reader.seek(partition, start == null ? ends.get(partition) : start.offset());
      }
      long deadline = System.nanoTime() + 2 * timeout().toNanos();
      while (partitions.stream().anyMatch(p -> reader.position(p) < ends.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "Could not read DLQ topic " + topic + " back to " + ends + " in time");
        }
        for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(200))) {
          Header owner = record.headers().lastHeader(SINK_ID);
          String sentOne = coordinates(record.headers());
          if (owner != null && java.util.Arrays.equals(owner.value(), self) && sentOne != null) {
            sent.add(sentOne);
          }
        }
      }
    }
    return sent;
  }

  private KafkaConsumer<byte[], byte[]> consumer(String isolationLevel) {
    return new KafkaConsumer<>(
        consumerSettings(isolationLevel), new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * Sends a pane in one transaction, leaving out what the topic shows this sink sent: the producer
   * and what it read back, shared by the two {@link DoFn}s below.
   */
  private static final class Sender implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final Counter sentCount = StreamyCounters.counter(StreamyCounters.DLQ_RECORDS_SENT);
    private final Counter skippedCount =
        StreamyCounters.counter(StreamyCounters.DLQ_RECORDS_ALREADY_SENT);
    private final WriteDlqTopic sink;

    private transient @Nullable Producer<byte[], byte[]> producer;
    private transient @Nullable Set<String> sentBefore;

    Sender(WriteDlqTopic sink) {
      this.sink = sink;
    }

    /**
     * Sends {@code records} in one transaction and returns when it began (epoch millis).
     *
     * @param lastSend when the last pane that restored state covers began to be sent, or null
     */
    long send(Iterable<ProducerRecord<byte[], byte[]>> records, @Nullable Long lastSend) {
      long startedAt = System.currentTimeMillis();
      Producer<byte[], byte[]> current = producer(lastSend, startedAt);
      Set<String> skip = sentBefore;
      long sent = 0;
      long skipped = 0;
      try {
        current.beginTransaction();
        for (ProducerRecord<byte[], byte[]> record : records) {
          String coordinates = coordinates(record.headers());
          if (coordinates != null && skip.contains(coordinates)) {
            skipped++;
            continue;
          }
          current.send(record);
          sent++;
        }
        current.commitTransaction();
      } catch (KafkaException e) {
        // Fenced, timed out or refused: nothing of the transaction is visible. The runner retries
        // with a new producer, which reads the topic back again.
        close();
        throw e;
      }
      sentCount.inc(sent);
      if (skipped > 0) {
        skippedCount.inc(skipped);
        LOG.info(
            "DLQ sink {}: {} dead letters were sent before this job was restored; left out",
            sink.sinkId,
            skipped);
      }
      return startedAt;
    }

    /**
     * The producer, after {@code initTransactions} (which completes or aborts what an earlier
     * producer of the sink left open, so the topic read back afterwards is final).
     */
    private Producer<byte[], byte[]> producer(@Nullable Long lastSend, long now) {
      if (producer == null) {
        Producer<byte[], byte[]> created =
            new KafkaProducer<>(
                sink.producerSettings(sink.topicMaxMessageBytes()),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        try {
          created.initTransactions();
          long since =
              lastSend != null
                  ? lastSend - CLOCK_SKEW.toMillis()
                  : now - STATELESS_LOOKBACK.toMillis();
          sentBefore = sink.sentSince(since);
        } catch (RuntimeException e) {
          created.close(Duration.ZERO);
          throw e;
        }
        producer = created;
      }
      return producer;
    }

    void close() {
      if (producer != null) {
        try {
          producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
          // Closing only releases the client; the broker aborts an open transaction.
        }
        producer = null;
        sentBefore = null;
      }
    }
  }

  /**
   * A stream's sender: remembers in state when its last pane began to be sent, so that a restored
   * job reads the topic back from shortly before then.
   */
  private static final class SendWithStateFn
      extends DoFn<KV<Integer, Iterable<ProducerRecord<byte[], byte[]>>>, Void> {
    private final Sender sender;

    @StateId("lastSend")
    private final StateSpec<ValueState<Long>> lastSendSpec = StateSpecs.value(VarLongCoder.of());

    SendWithStateFn(WriteDlqTopic sink) {
      this.sender = new Sender(sink);
    }

    @RequiresStableInput
    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<ProducerRecord<byte[], byte[]>>> pane,
        @StateId("lastSend") ValueState<Long> lastSend) {
      lastSend.write(sender.send(pane.getValue(), lastSend.read()));
    }

    @Teardown
    public void teardown() {
      sender.close();
    }
  }

  /**
   * A bounded run's sender, without state: a bounded run has no restored state to read, and a
   * stateful DoFn would make Flink's batch runner sort the grouped pane as one record, which fails
   * once a run's dead letters outgrow a sort buffer (about 17 MB on the embedded cluster). Without
   * state, Flink streams the group into this DoFn, one record at a time.
   */
  private static final class SendFn
      extends DoFn<KV<Integer, Iterable<ProducerRecord<byte[], byte[]>>>, Void> {
    private final Sender sender;

    SendFn(WriteDlqTopic sink) {
      this.sender = new Sender(sink);
    }

    @RequiresStableInput
    @ProcessElement
    public void process(@Element KV<Integer, Iterable<ProducerRecord<byte[], byte[]>>> pane) {
      sender.send(pane.getValue(), null);
    }

    @Teardown
    public void teardown() {
      sender.close();
    }
  }
}
