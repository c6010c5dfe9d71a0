package dev.streamy.io;

import dev.streamy.options.KafkaConfig;
import java.util.Map;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;

/**
 * Creates KafkaIO's producers with secret settings laid over the config KafkaIO passes in, so the
 * secrets never enter KafkaIO's config and therefore never its display data.
 */
final class SecretConfigProducerFactory
    implements SerializableFunction<Map<String, Object>, Producer<byte[], byte[]>> {

  private final Map<String, String> secrets;

  SecretConfigProducerFactory(Map<String, String> secrets) {
    this.secrets = Map.copyOf(secrets);
  }

  @Override
  public Producer<byte[], byte[]> apply(Map<String, Object> config) {
    return new KafkaProducer<>(configFor(config));
  }

  /** The config a producer is finally created with. */
  Map<String, Object> configFor(Map<String, Object> config) {
    return KafkaConfig.withSecrets(config, secrets);
  }

  @Override
  public String toString() {
    return "SecretConfigProducerFactory" + KafkaConfig.redacted(secrets);
  }
}
