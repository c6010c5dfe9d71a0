package dev.streamy.io;

import dev.streamy.options.KafkaConfig;
import java.util.Map;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Creates KafkaIO's consumers with secret settings laid over the config KafkaIO passes in, so the
 * secrets never enter KafkaIO's config and therefore never its display data.
 */
final class SecretConfigConsumerFactory
    implements SerializableFunction<Map<String, Object>, Consumer<byte[], byte[]>> {

  private final Map<String, String> secrets;

  SecretConfigConsumerFactory(Map<String, String> secrets) {
    this.secrets = Map.copyOf(secrets);
  }

  @Override
  public Consumer<byte[], byte[]> apply(Map<String, Object> config) {
    return new KafkaConsumer<>(configFor(config));
  }

  /** The config a consumer is finally created with. */
  Map<String, Object> configFor(Map<String, Object> config) {
    return KafkaConfig.withSecrets(config, secrets);
  }

  @Override
  public String toString() {
    return "SecretConfigConsumerFactory" + KafkaConfig.redacted(secrets);
  }
}
