package dev.streamy.options;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * The Kafka options every streamy command shares (the ingest, the generator, the demo that runs
 * both): one declaration, so one flag serves them all.
 */
public interface KafkaOptions extends PipelineOptions {

  @Description("Kafka bootstrap servers, host:port[,host:port...].")
  @Validation.Required
  @TemplateParameter(
      order = 10,
      group = "Kafka",
      regexes = "^[^,\\s]+:[0-9]+(,[^,\\s]+:[0-9]+)*$",
      example = "broker:9092")
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description(
      "A Java properties file of Kafka client settings (security.protocol, sasl.*, ssl.*), the"
          + " format of Kafka's own --command-config: passwords need not appear on the command"
          + " line. A value may contain ${env:NAME}, the environment variable's value. Settings"
          + " given inline (--kafkaConsumerConfig, --kafkaProducerConfig) win over the file's. Default: none.")
  @TemplateParameter(order = 12, group = "Kafka", example = "/etc/streamy/client.properties")
  String getKafkaConfigFile();

  void setKafkaConfigFile(String value);
}
