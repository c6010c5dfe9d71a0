package dev.streamy.io;

import com.google.auto.value.AutoValue;
import dev.streamy.options.KafkaConfig;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.SourceRecord;
import dev.streamy.transforms.StreamyCounters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.transforms.Convert;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The one dead-letter sink: stamps every {@link DeadLetter} with the pipeline's name and version,
 * then writes it to a Kafka DLQ topic, to Parquet files, or both.
 *
 * <p>Kafka: key and value are produced byte-identical to the source record (null stays null), the
 * original headers first, then the {@code dlq.*} metadata headers of {@link DeadLetterHeaders} and
 * {@code dlq.sink.id}. Replay is a plain re-produce. {@link WriteDlqTopic} sends each dead letter
 * once for {@code read_committed} consumers, in Kafka transactions; a failed send fails the bundle
 * so the runner retries it, nothing is dropped. A record that the producer would refuse as too
 * large for its {@code max.request.size}, or that the DLQ topic would refuse as over its {@code
 * max.message.bytes} (a source record near the limit plus the metadata, a key over it, a DLQ topic
 * with a smaller limit than the input topic) is cut to fit instead, its {@code dlq.topic.truncated}
 * header saying what was cut ({@link #fitted}): retrying it could never succeed, and the files and
 * table still get the whole dead letter. Secret producer settings are used by the producer and
 * never displayed.
 *
 * <p>Files: one row per dead letter, with every field of {@link DeadLetter}, written by {@link
 * WriteParquet} under the given directory. Dead letters are first re-timestamped to processing time
 * (never earlier than their own timestamp) and put in fixed windows of processing time, so that a
 * late event's dead letter is never itself dropped as late data by the file write; the folders
 * therefore tell when a record failed, not its event time.
 *
 * <p>Counts {@link StreamyCounters#DEAD_LETTERS_WRITTEN}, once per dead letter handed to the sinks.
 */
@AutoValue
public abstract class WriteDeadLetters extends PTransform<PCollection<DeadLetter>, PDone> {

  /** Kafka's default {@code max.request.size}: the largest record a producer sends. */
  static final int DEFAULT_MAX_REQUEST_BYTES = 1_048_576;

  /** Length of the processing-time windows that group dead letters into files, by default. */
  public static final Duration DEFAULT_FILE_WINDOW = Duration.standardMinutes(1);

  private static final Duration FILE_LATENESS = Duration.standardHours(1);

  /** A sink that stamps dead letters as written by {@code pipelineName} {@code pipelineVersion}. */
  public static WriteDeadLetters stampedAs(String pipelineName, String pipelineVersion) {
    requireText(pipelineName, "pipelineName");
    requireText(pipelineVersion, "pipelineVersion");
    return new AutoValue_WriteDeadLetters.Builder()
        .setPipelineName(pipelineName)
        .setPipelineVersion(pipelineVersion)
        .setTargetFileBytes(WriteParquet.DEFAULT_TARGET_FILE_BYTES)
        .setFileWindow(DEFAULT_FILE_WINDOW)
        .setProducerConfig(Map.of())
        .setSinkId(DEFAULT_SINK_ID)
        .setFilePrefix("dead-letters")
        .build();
  }

  /**
   * Names this job's DLQ topic sink (see {@link WriteIceberg#withSinkId}): every record it sends
   * carries the id, and a restored job leaves out what the same id sent before. Keep it across
   * restarts; give another job writing the same topic another one.
   */
  public WriteDeadLetters withSinkId(String sinkId) {
    return toBuilder().setSinkId(WriteIceberg.checkSinkId(sinkId)).build();
  }

  /** The sink id of a job that names none. */
  static final String DEFAULT_SINK_ID = "streamy-ingest";

  abstract String getPipelineName();

  abstract String getPipelineVersion();

  abstract @Nullable String getDirectory();

  abstract long getTargetFileBytes();

  abstract Duration getFileWindow();

  abstract @Nullable String getBootstrapServers();

  abstract @Nullable String getTopic();

  abstract Map<String, String> getProducerConfig();

  abstract @Nullable WriteIceberg getIceberg();

  abstract String getSinkId();

  abstract String getFilePrefix();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setPipelineName(String pipelineName);

    abstract Builder setPipelineVersion(String pipelineVersion);

    abstract Builder setDirectory(@Nullable String directory);

    abstract Builder setTargetFileBytes(long targetFileBytes);

    abstract Builder setFileWindow(Duration fileWindow);

    abstract Builder setBootstrapServers(@Nullable String bootstrapServers);

    abstract Builder setTopic(@Nullable String topic);

    abstract Builder setProducerConfig(Map<String, String> producerConfig);

    abstract Builder setIceberg(@Nullable WriteIceberg iceberg);

    abstract Builder setSinkId(String sinkId);

    abstract Builder setFilePrefix(String prefix);

    abstract WriteDeadLetters build();
  }

  /**
   * Also writes the dead letters as Parquet under {@code directory}, in files of up to {@code
   * targetFileBytes} (see {@link WriteParquet#withTargetFileSize}).
   */
  public WriteDeadLetters toFiles(String directory, long targetFileBytes) {
    requireText(directory, "directory");
    if (targetFileBytes < 1) {
      throw new IllegalArgumentException("target file size must be positive: " + targetFileBytes);
    }
    return toBuilder().setDirectory(directory).setTargetFileBytes(targetFileBytes).build();
  }

  /**
   * Names the dead-letter files {@code <prefix>-<window>-...} (default {@code dead-letters}): a
   * backfill or a replay writing into a stream's folder needs names of its own, since a published
   * name is never written twice.
   */
  public WriteDeadLetters withFilePrefix(String prefix) {
    WindowedFileNaming.of(prefix, ".parquet"); // validates
    return toBuilder().setFilePrefix(prefix).build();
  }

  /** Groups dead letters into files per {@code window} of processing time (default 1 minute). */
  public WriteDeadLetters withFileWindow(Duration window) {
    if (!window.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("The file window must be positive");
    }
    return toBuilder().setFileWindow(window).build();
  }

  /**
   * Also produces the dead letters to {@code topic}. {@code producerConfig} holds extra producer
   * settings (e.g. from {@link KafkaConfig#parse}); secret entries are split off automatically.
   * Serializers and {@code bootstrap.servers} are managed here; {@code acks} must stay {@code all}
   * and {@code enable.idempotence} {@code true}.
   */
  public WriteDeadLetters toTopic(
      String bootstrapServers, String topic, Map<String, String> producerConfig) {
    requireText(bootstrapServers, "bootstrapServers");
    requireText(topic, "topic");
    for (String key :
        List.of(
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
      if (producerConfig.containsKey(key)) {
        throw new IllegalArgumentException(key + " is managed by WriteDeadLetters; do not set it");
      }
    }
    requireValue(producerConfig, ProducerConfig.ACKS_CONFIG, "all", "-1");
    requireValue(producerConfig, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    return toBuilder()
        .setBootstrapServers(bootstrapServers)
        .setTopic(topic)
        .setProducerConfig(new LinkedHashMap<>(producerConfig))
        .build();
  }

  /**
   * Also writes the dead letters to an Iceberg table, one row per dead letter (payload as binary);
   * create the table first with {@link WriteIceberg#ensureTable} and {@link DeadLetter#SCHEMA}.
   */
  public WriteDeadLetters toIceberg(WriteIceberg table) {
    return toBuilder().setIceberg(table).build();
  }

  @Override
  public PDone expand(PCollection<DeadLetter> input) {
    String directory = getDirectory();
    String topic = getTopic();
    WriteIceberg iceberg = getIceberg();
    if (directory == null && topic == null && iceberg == null) {
      throw new IllegalStateException(
          "WriteDeadLetters needs a sink: call toFiles(...), toTopic(...) and/or toIceberg(...)");
    }
    PCollection<DeadLetter> stamped =
        input.apply(
            "StampPipeline", ParDo.of(new StampFn(getPipelineName(), getPipelineVersion())));
    if (topic != null) {
      WriteDlqTopic write = dlqTopic();
      stamped
          .apply("ToDlqRecords", ParDo.of(new ToProducerRecordFn(write, topic, maxRequestBytes())))
          .setCoder(new ProducerRecordBytesCoder())
          .apply("WriteToDlqTopic", write);
    }
    if (directory != null) {
      PCollection<Row> rows =
          stamped
              .apply("AtProcessingTime", ParDo.of(new AtProcessingTimeFn()))
              .apply(
                  "FileWindows",
                  Window.<DeadLetter>into(FixedWindows.of(getFileWindow()))
                      .triggering(
                          AfterWatermark.pastEndOfWindow()
                              .withLateFirings(AfterPane.elementCountAtLeast(1)))
                      .withAllowedLateness(FILE_LATENESS)
                      .discardingFiredPanes())
              .apply("ToRows", Convert.toRows());
      rows.apply(
          "WriteDlqFiles",
          WriteParquet.to(directory, DeadLetter.SCHEMA)
              .withTargetFileSize(getTargetFileBytes())
              .withPrefix(getFilePrefix()));
    }
    if (iceberg != null) {
      stamped.apply("ToTableRows", Convert.toRows()).apply("WriteDlqTable", iceberg);
    }
    return PDone.in(input.getPipeline());
  }

  /** The DLQ topic write this transform applies. */
  WriteDlqTopic dlqTopic() {
    if (getBootstrapServers() == null || getTopic() == null) {
      throw new IllegalStateException("No DLQ topic configured");
    }
    return new WriteDlqTopic(getBootstrapServers(), getTopic(), getProducerConfig(), getSinkId());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("pipelineName", getPipelineName()))
        .add(DisplayData.item("pipelineVersion", getPipelineVersion()))
        .addIfNotNull(DisplayData.item("directory", getDirectory()))
        .add(DisplayData.item("targetFileBytes", getTargetFileBytes()))
        .add(DisplayData.item("fileWindow", getFileWindow()))
        .addIfNotNull(DisplayData.item("bootstrapServers", getBootstrapServers()))
        .addIfNotNull(DisplayData.item("topic", getTopic()))
        .add(DisplayData.item("sinkId", getSinkId()))
        .add(
            DisplayData.item(
                "producerConfig", KafkaConfig.redacted(getProducerConfig()).toString()));
  }

  /** The DLQ record of a dead letter: original key, value and headers, then {@code dlq.*}. */
  static ProducerRecord<byte[], byte[]> toProducerRecord(String topic, DeadLetter deadLetter) {
    return record(topic, deadLetter.getKey(), deadLetter.getValue(), headers(deadLetter, true));
  }

  /**
   * {@link #toProducerRecord}, cut to at most {@code maxBytes} as the producer measures a record
   * (Kafka's own upper bound of its size in a batch): the original headers go first if even the
   * metadata does not leave room, then the value and the key keep as much of their beginning as
   * fits (the key at least half the room, or all of it). The {@code dlq.topic.truncated} header
   * names what was cut and {@code dlq.key.size} gives the original key's length; {@code
   * dlq.value.size} and {@code dlq.value.sha256} already describe the whole value.
   */
  static ProducerRecord<byte[], byte[]> fitted(String topic, DeadLetter deadLetter, int maxBytes) {
    ProducerRecord<byte[], byte[]> whole = toProducerRecord(topic, deadLetter);
    if (size(whole.key(), whole.value(), whole.headers()) <= maxBytes) {
      return whole;
    }
    byte[] key = deadLetter.getKey();
    byte[] value = deadLetter.getValue();
    boolean keepOriginalHeaders = roomBeside(deadLetter, true, maxBytes) >= 0;
    int room = Math.max(roomBeside(deadLetter, keepOriginalHeaders, maxBytes), 0);
    int keyLength = key == null ? 0 : key.length;
    int valueLength = value == null ? 0 : value.length;
    int keptKey = Math.min(keyLength, Math.max(room - valueLength, room / 2));
    int keptValue = Math.min(valueLength, room - keptKey);
    List<String> cut = new ArrayList<>();
    if (keptKey < keyLength) {
      cut.add("key");
    }
    if (keptValue < valueLength) {
      cut.add("value");
    }
    if (!keepOriginalHeaders) {
      cut.add("headers");
    }
    RecordHeaders fittedHeaders = headers(deadLetter, keepOriginalHeaders);
    addTruncationHeaders(fittedHeaders, String.join(",", cut), key);
    return record(
        topic,
        key == null ? null : Arrays.copyOf(key, keptKey),
        value == null ? null : Arrays.copyOf(value, keptValue),
        fittedHeaders);
  }

  /**
   * The bytes left for key and value in a record of at most {@code maxBytes} beside the dead
   * letter's headers (with or without the original ones) and the truncation headers with their
   * longest marker, less 16 for the length varints that grow with key and value.
   */
  private static int roomBeside(DeadLetter deadLetter, boolean withOriginal, int maxBytes) {
    RecordHeaders headers = headers(deadLetter, withOriginal);
    addTruncationHeaders(headers, "key,value,headers", deadLetter.getKey());
    return maxBytes - size(null, null, headers) - 16;
  }

  private static RecordHeaders headers(DeadLetter deadLetter, boolean withOriginal) {
    RecordHeaders headers = new RecordHeaders();
    List<SourceRecord.Header> all = DeadLetterHeaders.of(deadLetter);
    int first = withOriginal ? 0 : deadLetter.getHeaders().size();
    for (SourceRecord.Header header : all.subList(first, all.size())) {
      headers.add(header.getKey(), header.getValue());
    }
    return headers;
  }

  private static void addTruncationHeaders(
      RecordHeaders headers, String cut, @Nullable byte[] key) {
    headers.add(DeadLetterHeaders.TOPIC_TRUNCATED, cut.getBytes(StandardCharsets.UTF_8));
    headers.add(
        DeadLetterHeaders.KEY_SIZE,
        Integer.toString(key == null ? 0 : key.length).getBytes(StandardCharsets.UTF_8));
  }

  private static ProducerRecord<byte[], byte[]> record(
      String topic, @Nullable byte[] key, @Nullable byte[] value, RecordHeaders headers) {
    // No partition and no timestamp: the key picks the partition, and the broker's time keeps an
    // old source timestamp from making the DLQ record due for deletion at once.
    return new ProducerRecord<>(topic, null, null, key, value, headers);
  }

  /** A record's size as the producer checks it against {@code max.request.size}. */
  static int size(@Nullable byte[] key, @Nullable byte[] value, Headers headers) {
    return AbstractRecords.estimateSizeInBytesUpperBound(
        RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE, key, value, headers.toArray());
  }

  /** The producer's {@code max.request.size}, as given or Kafka's default. */
  int maxRequestBytes() {
    String given = getProducerConfig().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    return given == null ? DEFAULT_MAX_REQUEST_BYTES : Integer.parseInt(given.trim());
  }

  private static void requireText(@Nullable String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
  }

  private static void requireValue(Map<String, String> config, String key, String... allowed) {
    String value = config.get(key);
    if (value == null) {
      return;
    }
    for (String ok : allowed) {
      if (ok.equalsIgnoreCase(value.trim())) {
        return;
      }
    }
    throw new IllegalArgumentException(
        key + " must be " + allowed[0] + " for the dead-letter producer");
  }

  /** Stamps the pipeline name and version, and counts. */
  private static final class StampFn extends DoFn<DeadLetter, DeadLetter> {
    private final String name;
    private final String version;
    private final Counter written = StreamyCounters.counter(StreamyCounters.DEAD_LETTERS_WRITTEN);

    StampFn(String name, String version) {
      this.name = name;
      this.version = version;
    }

    @ProcessElement
    public void processElement(@Element DeadLetter deadLetter, OutputReceiver<DeadLetter> out) {
      out.output(deadLetter.withPipeline(name, version));
      written.inc();
    }
  }

  /**
   * Moves a dead letter's timestamp forward to the current time. A dead letter of a late event
   * carries a timestamp behind the watermark; at processing time it is ahead of it again, so the
   * file write's windows never drop it.
   */
  private static final class AtProcessingTimeFn extends DoFn<DeadLetter, DeadLetter> {
    @ProcessElement
    public void processElement(
        @Element DeadLetter deadLetter,
        @Timestamp Instant timestamp,
        OutputReceiver<DeadLetter> out) {
      Instant now = Instant.now();
      out.outputWithTimestamp(deadLetter, now.isAfter(timestamp) ? now : timestamp);
    }
  }

  private static final class ToProducerRecordFn
      extends DoFn<DeadLetter, ProducerRecord<byte[], byte[]>> {
    private final Counter cut = StreamyCounters.counter(StreamyCounters.DLQ_RECORDS_CUT);
    private final WriteDlqTopic sink;
    private final String topic;
    private final int maxRequestBytes;
    private transient int maxBytes;

    ToProducerRecordFn(WriteDlqTopic sink, String topic, int maxRequestBytes) {
      this.sink = sink;
      this.topic = topic;
      this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * The limit is the smaller of the producer's {@code max.request.size} and the topic's {@code
     * max.message.bytes}: a broker refuses a record over the topic's limit however often it is
     * sent, which would fail every retry of the transaction.
     */
    @Setup
    public void setup() {
      Integer topicLimit = sink.topicMaxMessageBytes();
      maxBytes = topicLimit == null ? maxRequestBytes : Math.min(maxRequestBytes, topicLimit);
    }

    @ProcessElement
    public void processElement(
        @Element DeadLetter deadLetter, OutputReceiver<ProducerRecord<byte[], byte[]>> out) {
      ProducerRecord<byte[], byte[]> record =
          fitted(topic, deadLetter, maxBytes - sink.sinkIdHeaderBytes());
      if (record.headers().lastHeader(DeadLetterHeaders.TOPIC_TRUNCATED) != null) {
        cut.inc();
      }
      out.output(sink.owned(record));
    }
  }

  /**
   * A coder for byte-array producer records that, unlike KafkaIO's, keeps null header values, null
   * keys and null values, as Kafka allows them all.
   */
  static final class ProducerRecordBytesCoder extends CustomCoder<ProducerRecord<byte[], byte[]>> {
    private static final Coder<String> STRING = StringUtf8Coder.of();
    private static final Coder<Integer> INT = NullableCoder.of(VarIntCoder.of());
    private static final Coder<Long> LONG = NullableCoder.of(VarLongCoder.of());
    private static final Coder<byte[]> BYTES = NullableCoder.of(ByteArrayCoder.of());

    @Override
    public void encode(ProducerRecord<byte[], byte[]> record, OutputStream out) throws IOException {
      STRING.encode(record.topic(), out);
      INT.encode(record.partition(), out);
      LONG.encode(record.timestamp(), out);
      Header[] headers = record.headers().toArray();
      VarIntCoder.of().encode(headers.length, out);
      for (Header header : headers) {
        STRING.encode(header.key(), out);
        BYTES.encode(header.value(), out);
      }
      BYTES.encode(record.key(), out);
      BYTES.encode(record.value(), out);
    }

    @Override
    public ProducerRecord<byte[], byte[]> decode(InputStream in) throws IOException {
      String topic = STRING.decode(in);
      Integer partition = INT.decode(in);
      Long timestamp = LONG.decode(in);
      int count = VarIntCoder.of().decode(in);
      RecordHeaders recordHeaders = new RecordHeaders();
      for (int i = 0; i < count; i++) {
        recordHeaders.add(STRING.decode(in), BYTES.decode(in));
      }
      byte[] key = BYTES.decode(in);
      byte[] value = BYTES.decode(in);
      return new ProducerRecord<>(topic, partition, timestamp, key, value, recordHeaders);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
