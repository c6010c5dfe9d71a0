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
final class SecretConfigFactory<C> implements SerializableFunction<Map<String, Object>, C> {

  private final Map<String, String> secrets;
  private final SerializableFunction<Map<String, Object>, C> client;

  private SecretConfigFactory(
      Map<String, String> secrets, SerializableFunction<Map<String, Object>, C> client) {
    this.secrets = Map.copyOf(secrets);
    this.client = client;
  }

  /** For {@code KafkaIO.Read#withConsumerFactoryFn}. */
  static SecretConfigFactory<Consumer<byte[], byte[]>> consumers(Map<String, String> secrets) {
    return new SecretConfigFactory<>(secrets, KafkaConsumer::new);
  }

  @Override
  public C apply(Map<String, Object> config) {
    return client.apply(configFor(config));
  }

  /** The config a client is finally created with. */
  Map<String, Object> configFor(Map<String, Object> config) {
    return KafkaConfig.withSecrets(config, secrets);
  }

  @Override
  public String toString() {
    return "SecretConfigFactory" + KafkaConfig.redacted(secrets);
  }
}
