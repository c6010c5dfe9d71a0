package dev.streamy.generator;

import com.google.auto.value.AutoValue;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import javax.annotation.Nullable;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
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

  private static final String PRODUCER_CONFIG_FLAG = "--kafkaProducerConfig=";

  private GenerateEvents() {}

  public static void main(String[] args) throws IOException {
    try {
      run(parse(args));
    } catch (IllegalArgumentException | IllegalStateException | KafkaException e) {
      // A wrong flag or an unreachable broker: one clear line, not a stack trace.
      System.err.println("generate: " + describe(e));
      System.exit(1);
    }
  }

  /**
   * Reads the options from {@code --name=value} arguments. Beam logs the arguments it parses at
   * DEBUG ("Provided Arguments"), so the inline producer config, which may hold a password, is not
   * handed to it: it is set on the options afterwards.
   */
  static GeneratorOptions parse(String[] args) {
    List<String> rest = new ArrayList<>();
    String producerConfig = null;
    for (String arg : args) {
      if (!arg.startsWith(PRODUCER_CONFIG_FLAG)) {
        rest.add(arg);
      } else if (producerConfig == null) {
        producerConfig = arg.substring(PRODUCER_CONFIG_FLAG.length());
      } else {
        throw new IllegalArgumentException("--kafkaProducerConfig is given more than once");
      }
    }
    PipelineOptionsFactory.register(GeneratorOptions.class);
    GeneratorOptions options =
        PipelineOptionsFactory.fromArgs(rest.toArray(String[]::new))
            .withValidation()
            .as(GeneratorOptions.class);
    if (producerConfig != null) {
      options.setKafkaProducerConfig(producerConfig);
    }
    return options;
  }

  /** The message of {@code e} and of each of its causes, on one line. */
  static String describe(Throwable e) {
    StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      message.append(": ").append(cause.getMessage());
    }
    return message.toString();
  }

  /**
   * Creates the topic when missing, produces {@code count} records and returns what was sent.
   *
   * @throws IllegalArgumentException for an option out of range, before anything is contacted
   * @throws IllegalStateException when Kafka rejects a record; everything acknowledged before is in
   *     the ledger
   */
  public static Summary run(GeneratorOptions options) throws IOException {
    validate(options);
    Map<String, String> clientConfig =
        KafkaConfig.fromFileAndText(options.getKafkaConfigFile(), options.getKafkaProducerConfig());
    Properties producerConfig = producerConfig(options.getBootstrapServers(), clientConfig);
    boolean topicTakesOversized =
        Topics.prepare(
            options.getBootstrapServers(),
            clientConfig,
            options.getTopic(),
            options.getPartitions());
    long maxRequest =
        Long.parseLong(producerConfig.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    boolean oversized =
        topicTakesOversized
            && maxRequest >= EventFactory.OVERSIZED_BYTES + Topics.RECORD_OVERHEAD_BYTES;
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
        producer.send(
            producerRecord(options.getTopic(), record),
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

  /**
   * Checks the generator's own options.
   *
   * @throws IllegalArgumentException naming the first option out of range and what it allows
   */
  static void validate(GeneratorOptions options) {
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
    checkShare("--badShare", options.getBadShare());
    checkShare("--duplicateShare", options.getDuplicateShare());
    if (options.getBadShare() + options.getDuplicateShare() > 1) {
      throw new IllegalArgumentException(
          "--badShare + --duplicateShare must be at most 1, got "
              + options.getBadShare()
              + " + "
              + options.getDuplicateShare());
    }
  }

  private static void checkShare(String option, double share) {
    if (!(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException(option + " must be between 0 and 1, got " + share);
    }
  }

  private static Properties producerConfig(
      String bootstrapServers, Map<String, String> clientConfig) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "streamy-generator");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    // Room for an oversized (TOO_LARGE) record; the pipeline, not the producer, must reject it.
    props.put(
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Topics.TOPIC_MAX_MESSAGE_BYTES));
    props.putAll(clientConfig);
    return props;
  }

  /** The Kafka record: no partition given, so Kafka's partitioner picks it from the key. */
  private static ProducerRecord<byte[], byte[]> producerRecord(
      String topic, GeneratedRecord record) {
    List<Header> headers = new ArrayList<>();
    record.headers().forEach((k, v) -> headers.add(new RecordHeader(k, v)));
    return new ProducerRecord<>(topic, null, null, record.key(), record.value(), headers);
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
      return Summary.of(
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
  @AutoValue
  public abstract static class Summary {

    public abstract long sent();

    public abstract Map<String, Long> byExpected();

    public abstract Map<Kind, Long> byKind();

    public abstract double seconds();

    static Summary of(
        long sent, Map<String, Long> byExpected, Map<Kind, Long> byKind, double seconds) {
      return new AutoValue_GenerateEvents_Summary(sent, byExpected, byKind, seconds);
    }

    /** Acknowledged records per second of the run. */
    public double recordsPerSecond() {
      return seconds() > 0 ? sent() / seconds() : 0;
    }

    /** Records expected to end in the dead-letter queue. */
    public long deadLetters() {
      return byKind().entrySet().stream()
          .filter(e -> e.getKey().expected().outcome() == Outcome.DLQ)
          .mapToLong(Map.Entry::getValue)
          .sum();
    }

    /** The one-line report printed at the end of a run. */
    public String line(@Nullable String topic) {
      StringBuilder codes = new StringBuilder();
      byExpected()
          .forEach(
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
          sent(),
          topic,
          seconds(),
          recordsPerSecond(),
          byExpected().getOrDefault("EVENT", 0L),
          byExpected().getOrDefault("DEDUPED", 0L),
          deadLetters(),
          codes.length() == 0 ? "none" : codes);
    }
  }
}
