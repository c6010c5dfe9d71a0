package dev.streamy.benchmarks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.streamy.transforms.DeadLetter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import javax.annotation.Nullable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Dead letters to a Kafka DLQ topic as streamy sends them: the original key and value bytes and
 * headers, then the metadata as {@code dlq.*} text headers. Sends are asynchronous; {@link #close}
 * waits for every acknowledgement and fails if any send failed.
 */
final class DeadLetterTopic implements AutoCloseable {

  private static final JsonFactory JSON = new JsonFactory();

  private final String topic;
  private final KafkaProducer<byte[], byte[]> producer;
  private final AtomicReference<Exception> failure = new AtomicReference<>();

  DeadLetterTopic(String bootstrapServers, String topic) {
    this.topic = topic;
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "streamy-baseline-dlq");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 * 1024 * 1024));
    this.producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  void send(FailedRecord record) {
    Exception failed = failure.get();
    if (failed != null) {
      throw new IllegalStateException("the DLQ topic " + topic + " refused a dead letter", failed);
    }
    RecordHeaders headers = new RecordHeaders();
    for (Header header : record.source.headers()) {
      headers.add(header);
    }
    add(headers, "dlq.stage", record.stage);
    add(headers, "dlq.error.code", record.code.name());
    add(headers, "dlq.error.message", record.message);
    if (!record.violations.isEmpty()) {
      add(headers, "dlq.violations", violationsJson(record));
    }
    add(headers, "dlq.source.topic", record.source.topic());
    add(headers, "dlq.source.partition", Integer.toString(record.source.partition()));
    add(headers, "dlq.source.offset", Long.toString(record.source.offset()));
    add(
        headers,
        "dlq.source.timestamp",
        Instant.ofEpochMilli(record.source.timestamp()).toString());
    add(headers, "dlq.event.id", record.eventId);
    add(headers, "dlq.value.size", Long.toString(record.valueSize));
    add(headers, "dlq.value.sha256", record.valueSha256);
    add(headers, "dlq.value.truncated", Boolean.toString(record.valueTruncated));
    add(headers, "dlq.pipeline", DeadLetterFile.PIPELINE);
    add(headers, "dlq.pipeline.version", DeadLetterFile.VERSION);
    add(headers, "dlq.processing.time", Instant.ofEpochMilli(record.processingTime).toString());
    producer.send(
        new ProducerRecord<>(topic, null, null, record.source.key(), record.keptValue, headers),
        (metadata, error) -> {
          if (error != null) {
            failure.compareAndSet(null, error);
          }
        });
  }

  private static void add(RecordHeaders headers, String key, @Nullable String value) {
    if (value != null) {
      headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String violationsJson(FailedRecord record) {
    StringWriter text = new StringWriter();
    try (JsonGenerator json = JSON.createGenerator(text)) {
      json.writeStartArray();
      for (DeadLetter.Violation violation : record.violations) {
        json.writeStartObject();
        json.writeStringField("path", violation.getPath());
        json.writeStringField("code", violation.getCode());
        json.writeStringField("reason", violation.getReason());
        json.writeEndObject();
      }
      json.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  @Override
  public void close() {
    producer.flush();
    producer.close(Duration.ofSeconds(30));
    Exception failed = failure.get();
    if (failed != null) {
      throw new IllegalStateException("the DLQ topic " + topic + " refused a dead letter", failed);
    }
  }
}
