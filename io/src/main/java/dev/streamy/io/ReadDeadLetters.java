package dev.streamy.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.options.KafkaConfig;
import dev.streamy.transforms.DeadLetter;
import dev.streamy.transforms.SourceRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.joda.time.Instant;

/**
 * Reads dead letters back, as {@link DeadLetter}s, from where the ingest wrote them: the
 * dead-letter Parquet files (every published file under a folder; files still being written, under
 * hidden names, are skipped) or the DLQ topic (read {@code read_committed}, up to the end offsets
 * at the start, so a replay reads what was there when it began). What {@code streamy replay}
 * replays.
 *
 * <p>A dead letter of the topic is rebuilt from its record: value and key as they are, the original
 * headers (every header before the first {@code dlq.*} one, the order {@link DeadLetterHeaders}
 * writes them in), and the metadata from the {@code dlq.*} headers.
 */
public final class ReadDeadLetters {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration POLL = Duration.ofMillis(500);

  private ReadDeadLetters() {}

  /** Every dead letter in the published Parquet files under {@code folder}, file by file. */
  public static void fromFiles(Path folder, Consumer<DeadLetter> each) {
    for (Path file : parquetFiles(folder)) {
      try (ParquetReader<GenericRecord> reader =
          AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file))
              .withConf(new PlainParquetConfiguration())
              .build()) {
        for (GenericRecord record = reader.read(); record != null; record = reader.read()) {
          Row row = AvroUtils.toBeamRowStrict(record, DeadLetter.SCHEMA);
          each.accept(DeadLetter.coder().getFromRowFunction().apply(row));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read dead-letter file " + file, e);
      }
    }
  }

  /**
   * Every dead letter in the current snapshot of Iceberg table {@code namespace.table}, read
   * through Iceberg's own reader.
   */
  public static void fromIceberg(
      IcebergCatalogSettings catalog, String namespace, String table, Consumer<DeadLetter> each) {
    org.apache.iceberg.catalog.TableIdentifier id =
        org.apache.iceberg.catalog.TableIdentifier.of(namespace, table);
    org.apache.iceberg.catalog.Catalog loaded = catalog.toBeamConfig().catalog();
    if (!loaded.tableExists(id)) {
      throw new IllegalArgumentException("no Iceberg table " + id + " in the catalog");
    }
    try (org.apache.iceberg.io.CloseableIterable<org.apache.iceberg.data.Record> records =
        org.apache.iceberg.data.IcebergGenerics.read(loaded.loadTable(id)).build()) {
      for (org.apache.iceberg.data.Record record : records) {
        Row row =
            org.apache.beam.sdk.io.iceberg.IcebergUtils.icebergRecordToBeamRow(
                DeadLetter.SCHEMA, record);
        each.accept(DeadLetter.coder().getFromRowFunction().apply(row));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read Iceberg table " + id, e);
    }
  }

  /**
   * The published {@code .parquet} files under {@code folder}, in name order; none if absent. Files
   * and folders whose names start with a dot (a write in progress) are left out.
   */
  public static List<Path> parquetFiles(Path folder) {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> all = Files.walk(folder)) {
      return all.filter(p -> p.getFileName().toString().endsWith(".parquet"))
          .filter(p -> !folder.relativize(p).toString().matches("(.*/)?\\..*"))
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + folder, e);
    }
  }

  /**
   * Every dead letter committed to {@code topic} when the read starts, partition by partition.
   *
   * @param kafkaConfig client settings (security, ...); secrets are passed to the consumer only
   */
  public static void fromTopic(
      String bootstrapServers,
      String topic,
      Map<String, String> kafkaConfig,
      Consumer<DeadLetter> each) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, kafkaConfig)) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("the DLQ topic " + topic + " does not exist");
      }
      List<TopicPartition> partitions = new ArrayList<>();
      infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      for (TopicPartition partition : partitions) {
        long end = ends.get(partition);
        while (consumer.position(partition) < end) {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL).records(partition)) {
            if (record.offset() < end) {
              each.accept(fromDlqRecord(record));
            }
          }
        }
      }
    }
  }

  /**
   * The record a cut dead letter came from (a {@code TOO_LARGE} value kept to 64 KiB, or a record
   * cut to fit the DLQ topic), re-read whole from its source topic by its coordinates: key, value
   * and headers as they are there. Null when the record is gone (retention, compaction) or is not
   * the one the dead letter names (its value's size or SHA-256 differs).
   */
  public static @Nullable SourceRecord original(
      String bootstrapServers, Map<String, String> kafkaConfig, DeadLetter deadLetter) {
    TopicPartition partition = new TopicPartition(deadLetter.getTopic(), deadLetter.getPartition());
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, kafkaConfig)) {
      consumer.assign(List.of(partition));
      long start = consumer.beginningOffsets(List.of(partition)).get(partition);
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      if (deadLetter.getOffset() < start || deadLetter.getOffset() >= end) {
        return null;
      }
      consumer.seek(partition, deadLetter.getOffset());
      while (consumer.position(partition) <= deadLetter.getOffset()) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL).records(partition)) {
          if (record.offset() > deadLetter.getOffset()) {
            return null; // compacted away
          }
          if (record.offset() == deadLetter.getOffset()) {
            byte[] value = record.value();
            boolean same =
                value != null
                    && value.length == deadLetter.getValueSize()
                    && DeadLetter.sha256(value).equals(deadLetter.getValueSha256());
            return same ? ReadOffsetRange.toSourceRecord(record) : null;
          }
        }
      }
      return null;
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(
      String bootstrapServers, Map<String, String> kafkaConfig) {
    Map<String, Object> config = new HashMap<>(KafkaConfig.publicPart(kafkaConfig));
    config.keySet().removeIf(key -> !ConsumerConfig.configNames().contains(key));
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 << 20));
    return new KafkaConsumer<>(
        KafkaConfig.withSecrets(config, KafkaConfig.secretPart(kafkaConfig)),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
  }

  /** A DLQ topic record as the dead letter it was written from. */
  static DeadLetter fromDlqRecord(ConsumerRecord<byte[], byte[]> record) {
    List<SourceRecord.Header> original = new ArrayList<>();
    Map<String, String> meta = new HashMap<>();
    boolean inMetadata = false;
    for (Header header : record.headers()) {
      inMetadata |= header.key().startsWith(DeadLetterHeaders.PREFIX);
      if (inMetadata) {
        meta.put(
            header.key(),
            header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
      } else {
        original.add(SourceRecord.Header.create(header.key(), header.value()));
      }
    }
    String sourceTopic = required(meta, DeadLetterHeaders.SOURCE_TOPIC, record);
    if (Boolean.parseBoolean(meta.get(DeadLetterHeaders.TOPIC_TRUNCATED))) {
      // The record was cut to fit the topic: its value is not the original one.
      meta.put(DeadLetterHeaders.VALUE_TRUNCATED, "true");
    }
    byte[] value = record.value();
    String size = meta.get(DeadLetterHeaders.VALUE_SIZE);
    return DeadLetter.create(
        required(meta, DeadLetterHeaders.STAGE, record),
        required(meta, DeadLetterHeaders.ERROR_CODE, record),
        meta.getOrDefault(DeadLetterHeaders.ERROR_MESSAGE, ""),
        violations(meta.get(DeadLetterHeaders.VIOLATIONS)),
        meta.get(DeadLetterHeaders.STACK),
        meta.get(DeadLetterHeaders.EVENT_ID),
        sourceTopic,
        Integer.parseInt(required(meta, DeadLetterHeaders.SOURCE_PARTITION, record)),
        Long.parseLong(required(meta, DeadLetterHeaders.SOURCE_OFFSET, record)),
        instant(meta.get(DeadLetterHeaders.SOURCE_TIMESTAMP), record.timestamp()),
        record.key(),
        value,
        original,
        size == null ? (value == null ? 0 : value.length) : Long.parseLong(size),
        meta.get(DeadLetterHeaders.VALUE_SHA256),
        Boolean.parseBoolean(meta.get(DeadLetterHeaders.VALUE_TRUNCATED)),
        meta.get(DeadLetterHeaders.PIPELINE),
        meta.get(DeadLetterHeaders.PIPELINE_VERSION),
        instant(meta.get(DeadLetterHeaders.PROCESSING_TIME), record.timestamp()));
  }

  private static String required(
      Map<String, String> meta, String key, ConsumerRecord<byte[], byte[]> record) {
    String value = meta.get(key);
    if (value == null) {
      throw new IllegalArgumentException(
          "record "
              + record.topic()
              + "/"
              + record.partition()
              + "/"
              + record.offset()
              + " has no "
              + key
              + " header: not a streamy dead letter");
    }
    return value;
  }

  private static Instant instant(@Nullable String iso, long fallbackMillis) {
    return iso == null
        ? new Instant(fallbackMillis)
        : new Instant(java.time.Instant.parse(iso).toEpochMilli());
  }

  private static List<DeadLetter.Violation> violations(@Nullable String json) {
    List<DeadLetter.Violation> out = new ArrayList<>();
    if (json == null || json.isEmpty()) {
      return out;
    }
    try {
      for (JsonNode v : JSON.readTree(json)) {
        out.add(
            DeadLetter.Violation.create(
                v.path("path").asText(), v.path("code").asText(), v.path("reason").asText()));
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("dlq.violations is not JSON", e);
    }
    return out;
  }
}
