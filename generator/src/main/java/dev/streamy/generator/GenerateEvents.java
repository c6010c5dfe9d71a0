package dev.streamy.generator;

import dev.streamy.generator.EventFactory.GeneratedRecord;
import dev.streamy.generator.EventFactory.Kind;
import dev.streamy.generator.EventFactory.Outcome;
import dev.streamy.options.KafkaConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import javax.annotation.Nullable;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces realistic recentchange events, with a share of bad records and duplicates, to any Kafka
 * topic, and writes a ledger of what each acknowledged record must become ({@link Ledger}).
 *
 * <pre>
 * ./streamy generate --bootstrapServers=localhost:9092 --count=10000 --ledger=ledger.ndjson
 * </pre>
 */
public final class GenerateEvents {

  /** {@code max.message.bytes} of a topic the generator creates: room for oversized records. */
  static final int TOPIC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  private static final long ADMIN_TIMEOUT_SECONDS = 60;
  private static final int RECORD_OVERHEAD_BYTES = 4 * 1024;

  private GenerateEvents() {}

  public static void main(String[] args) throws IOException {
    PipelineOptionsFactory.register(GeneratorOptions.class);
    try {
      GeneratorOptions options =
          PipelineOptionsFactory.fromArgs(args).withValidation().as(GeneratorOptions.class);
      run(options);
    } catch (IllegalArgumentException | IllegalStateException | KafkaException e) {
      // A wrong flag or an unreachable broker: one clear line, not a stack trace.
      System.err.println("generate: " + describe(e));
      System.exit(1);
    }
  }

  private static String describe(Throwable e) {
    StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      message.append(": ").append(cause.getMessage());
    }
    return message.toString();
  }

  /**
   * Creates the topic when missing, produces {@code count} records and returns what was sent.
   *
   * @throws IllegalStateException when Kafka rejects a record; everything acknowledged before is in
   *     the ledger
   */
  public static Summary run(GeneratorOptions options) throws IOException {
    check(options);
    Map<String, String> extra =
        KafkaConfig.fromFileAndText(options.getKafkaConfigFile(), options.getKafkaProducerConfig());
    Properties producerConfig = producerConfig(options.getBootstrapServers(), extra);
    boolean topicTakesOversized =
        prepareTopic(
            options.getBootstrapServers(), extra, options.getTopic(), options.getPartitions());
    long maxRequest =
        Long.parseLong(producerConfig.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    boolean oversized =
        topicTakesOversized && maxRequest >= EventFactory.OVERSIZED_BYTES + RECORD_OVERHEAD_BYTES;
    if (!oversized && options.getBadShare() > 0) {
      System.out.println(
          "generate: the topic or max.request.size cannot take values over 1 MiB; no OVERSIZED"
              + " (TOO_LARGE) records this run");
    }
    EventFactory factory =
        EventFactory.builder()
            .seed(options.getSeed())
            .badShare(options.getBadShare())
            .duplicateShare(options.getDuplicateShare())
            .allowOversized(oversized)
            .build();

    Tally tally = new Tally();
    AtomicReference<Exception> failure = new AtomicReference<>();
    Path ledgerPath = options.getLedger() == null ? null : Paths.get(options.getLedger());
    long started = System.nanoTime();
    try (Ledger.Writer ledger = ledgerPath == null ? null : Ledger.create(ledgerPath);
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(
                producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
      Pacer pacer = new Pacer(options.getRate());
      for (long i = 0; i < options.getCount() && failure.get() == null; i++) {
        pacer.await();
        GeneratedRecord record = factory.next();
        ProducerRecord<byte[], byte[]> kafkaRecord =
            new ProducerRecord<>(
                options.getTopic(), null, null, record.key(), record.value(), headers(record));
        producer.send(
            kafkaRecord,
            (metadata, error) -> {
              if (error != null) {
                failure.compareAndSet(null, error);
                return;
              }
              try {
                if (ledger != null) {
                  ledger.append(
                      Ledger.Entry.of(
                          metadata.partition(),
                          metadata.offset(),
                          record.kind(),
                          record.eventId()));
                }
                tally.count(record.kind());
              } catch (IOException | RuntimeException e) {
                failure.compareAndSet(null, e);
              }
            });
      }
      producer.flush();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Summary summary = tally.summary(seconds);
    System.out.println(summary.line(options.getTopic()));
    if (failure.get() != null) {
      throw new IllegalStateException(
          "Kafka rejected a record after "
              + summary.sent()
              + " were acknowledged"
              + (ledgerPath == null ? "" : " (all of them are in the ledger " + ledgerPath + ")"),
          failure.get());
    }
    return summary;
  }

  private static void check(GeneratorOptions options) {
    if (options.getCount() < 0) {
      throw new IllegalArgumentException("--count must be >= 0, got " + options.getCount());
    }
    if (!(options.getRate() >= 0) || Double.isInfinite(options.getRate())) {
      throw new IllegalArgumentException(
          "--rate must be >= 0 (0: unlimited), got " + options.getRate());
    }
    if (options.getPartitions() < 1) {
      throw new IllegalArgumentException(
          "--partitions must be >= 1, got " + options.getPartitions());
    }
    double bad = options.getBadShare();
    double duplicates = options.getDuplicateShare();
    if (!(bad >= 0 && duplicates >= 0 && bad + duplicates <= 1)) {
      throw new IllegalArgumentException(
          "--badShare and --duplicateShare must be >= 0 with a sum <= 1, got "
              + bad
              + " and "
              + duplicates);
    }
  }

  private static Properties producerConfig(String bootstrapServers, Map<String, String> extra) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "streamy-generator");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    // Room for an oversized (TOO_LARGE) record; the pipeline, not the producer, must reject it.
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(TOPIC_MAX_MESSAGE_BYTES));
    props.putAll(extra);
    return props;
  }

  /**
   * Creates the topic if it does not exist and tells whether it accepts values over 1 MiB. The
   * producer is never sent a record the broker would refuse: a refused batch would fail the run.
   */
  private static boolean prepareTopic(
      String bootstrapServers, Map<String, String> extra, String topic, int partitions) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "streamy-generator-admin");
    // Security settings apply to the admin client too; producer-only keys would only log warnings.
    extra.forEach(
        (k, v) -> {
          if (AdminClientConfig.configNames().contains(k)) {
            props.put(k, v);
          }
        });
    try (Admin admin = Admin.create(props)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ADMIN_TIMEOUT_SECONDS);
      boolean exists =
          admin.listTopics().names().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS).contains(topic);
      boolean createdWithRoom = !exists && createTopic(admin, topic, partitions);
      awaitLeaders(admin, topic, deadline);
      return createdWithRoom || takesOversized(admin, topic);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot reach Kafka at " + bootstrapServers, e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Kafka at " + bootstrapServers + " did not answer in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Whether an existing topic's {@code max.message.bytes} has room for an oversized record. */
  private static boolean takesOversized(Admin admin, String topic)
      throws InterruptedException, TimeoutException {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try {
      Config config =
          admin
              .describeConfigs(List.of(resource))
              .all()
              .get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .get(resource);
      ConfigEntry maxBytes =
          config == null ? null : config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      return maxBytes != null
          && maxBytes.value() != null
          && Long.parseLong(maxBytes.value())
              >= EventFactory.OVERSIZED_BYTES + RECORD_OVERHEAD_BYTES;
    } catch (ExecutionException | NumberFormatException e) {
      // Not allowed to read topic configs (ACLs, managed clusters): play safe.
      return false;
    }
  }

  /**
   * Waits until the leader of every partition serves it. Producing to a partition the broker has
   * not taken up yet fails the first batch with NOT_LEADER_OR_FOLLOWER; an idempotent producer with
   * later batches in flight can then spin on OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery
   * timeout (KAFKA-15591). A ListOffsets answer comes from the leader itself, so it proves the
   * partition is ready.
   */
  private static void awaitLeaders(Admin admin, String topic, long deadline)
      throws InterruptedException, TimeoutException, ExecutionException {
    while (true) {
      try {
        TopicDescription description =
            admin
                .describeTopics(List.of(topic))
                .allTopicNames()
                .get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .get(topic);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        description
            .partitions()
            .forEach(
                p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        admin.listOffsets(latest).all().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException)) {
          throw e;
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new TimeoutException("the partitions of topic " + topic + " did not get a leader");
      }
      // Metadata of a just-created topic takes a moment to spread: poll until the deadline.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  /** Creates the topic; true when it got room for oversized records, false otherwise. */
  private static boolean createTopic(Admin admin, String topic, int partitions)
      throws InterruptedException, TimeoutException, ExecutionException {
    NewTopic withRoom =
        new NewTopic(topic, Optional.of(partitions), Optional.empty())
            .configs(
                Map.of(
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(TOPIC_MAX_MESSAGE_BYTES)));
    try {
      admin.createTopics(List.of(withRoom)).all().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      System.out.println(
          "generate: created topic " + topic + " with " + partitions + " partitions");
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return false; // someone else created it meanwhile: its configs decide
      }
    }
    // Some managed clusters refuse topic configs: fall back to the broker's defaults.
    NewTopic plain = new NewTopic(topic, Optional.of(partitions), Optional.empty());
    try {
      admin.createTopics(List.of(plain)).all().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      System.out.println(
          "generate: created topic "
              + topic
              + " with "
              + partitions
              + " partitions (default configs)");
    } catch (ExecutionException again) {
      if (!(again.getCause() instanceof TopicExistsException)) {
        throw again;
      }
    }
    return false;
  }

  private static List<Header> headers(GeneratedRecord record) {
    if (record.headers().isEmpty()) {
      return List.of();
    }
    List<Header> headers = new ArrayList<>();
    record.headers().forEach((k, v) -> headers.add(new RecordHeader(k, v)));
    return headers;
  }

  /** Spaces sends evenly at {@code rate} per second, catching up at most one second of backlog. */
  static final class Pacer {
    private final long intervalNanos;
    private long next;

    Pacer(double rate) {
      this.intervalNanos = rate <= 0 ? 0 : (long) (1e9 / rate);
      this.next = System.nanoTime();
    }

    void await() {
      if (intervalNanos == 0) {
        return;
      }
      long now = System.nanoTime();
      while (next - now > 0) {
        LockSupport.parkNanos(next - now);
        now = System.nanoTime();
      }
      next = Math.max(next, now - TimeUnit.SECONDS.toNanos(1)) + intervalNanos;
    }
  }

  /** Counts of acknowledged records; written by the producer's I/O thread. */
  private static final class Tally {
    private final Map<Kind, Long> byKind = new EnumMap<>(Kind.class);

    synchronized void count(Kind kind) {
      byKind.merge(kind, 1L, Long::sum);
    }

    synchronized Summary summary(double seconds) {
      Map<String, Long> byExpected = new TreeMap<>();
      long sent = 0;
      for (Map.Entry<Kind, Long> e : byKind.entrySet()) {
        byExpected.merge(e.getKey().expected().toString(), e.getValue(), Long::sum);
        sent += e.getValue();
      }
      Map<Kind, Long> kinds = new EnumMap<>(Kind.class);
      kinds.putAll(byKind);
      return new Summary(
          sent,
          Collections.unmodifiableMap(byExpected),
          Collections.unmodifiableMap(kinds),
          seconds);
    }
  }

  /**
   * What a run sent: acknowledged records in total, by expected outcome ({@code EVENT}, {@code
   * DEDUPED}, {@code DLQ:<CODE>}) and by kind.
   */
  public record Summary(
      long sent, Map<String, Long> byExpected, Map<Kind, Long> byKind, double seconds) {

    /** Acknowledged records per second of the run. */
    public double recordsPerSecond() {
      return seconds > 0 ? sent / seconds : 0;
    }

    /** Records expected to end in the dead-letter queue. */
    public long deadLetters() {
      return byKind.entrySet().stream()
          .filter(e -> e.getKey().expected().outcome() == Outcome.DLQ)
          .mapToLong(Map.Entry::getValue)
          .sum();
    }

    /** The one-line report printed at the end of a run. */
    public String line(@Nullable String topic) {
      StringBuilder codes = new StringBuilder();
      byExpected.forEach(
          (expected, n) -> {
            if (expected.startsWith("DLQ:")) {
              codes
                  .append(codes.length() == 0 ? "" : ", ")
                  .append(expected.substring(4))
                  .append(' ')
                  .append(n);
            }
          });
      return String.format(
          Locale.ROOT,
          "generate: sent %,d records to %s in %.1f s (%,.0f records/s): EVENT %,d, DEDUPED %,d,"
              + " DLQ %,d (%s)",
          sent,
          topic,
          seconds,
          recordsPerSecond(),
          byExpected.getOrDefault("EVENT", 0L),
          byExpected.getOrDefault("DEDUPED", 0L),
          deadLetters(),
          codes.length() == 0 ? "none" : codes);
    }
  }
}
