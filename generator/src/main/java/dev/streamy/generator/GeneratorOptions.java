package dev.streamy.generator;

import dev.streamy.options.KafkaOptions;
import dev.streamy.options.TemplateParameter;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Options of the event generator ({@link GenerateEvents}). They are parsed like the pipeline's
 * ({@code --name=value}); {@code bootstrapServers} comes from {@link KafkaOptions}, shared with the
 * ingest pipeline, so one flag serves both in the demo.
 */
public interface GeneratorOptions extends KafkaOptions {

  @Description("Kafka topic to produce to.")
  @Default.String("recentchange")
  @TemplateParameter(
      order = 11,
      group = "Kafka",
      type = TemplateParameter.Type.KAFKA_WRITE_TOPIC,
      regexes = TemplateParameter.KAFKA_TOPIC,
      example = "recentchange")
  String getTopic();

  void setTopic(String value);

  @Description("Number of records to produce: good events, bad records and duplicates together.")
  @Default.Long(10_000)
  @TemplateParameter(order = 20, group = "Records", regexes = "^[0-9]+$", example = "100000")
  long getCount();

  void setCount(long value);

  @Description("Records per second; 0 produces as fast as the broker acknowledges.")
  @Default.Double(0)
  @TemplateParameter(
      order = 21,
      group = "Records",
      label = "Rate (records per second)",
      regexes = "^[0-9]+([.][0-9]+)?$",
      example = "500")
  double getRate();

  void setRate(double value);

  @Description(
      "Fraction of bad records (0..1), cycling through the whole bad-input catalogue: malformed,"
          + " wrong encoding, wrong format, oversized, too deep, duplicate keys, missing or invalid"
          + " fields, bad or future event times.")
  @Default.Double(0.05)
  @TemplateParameter(
      order = 22,
      group = "Records",
      label = "Bad record share",
      regexes = "^(0([.][0-9]+)?|1([.]0+)?)$",
      example = "0.05")
  double getBadShare();

  void setBadShare(double value);

  @Description(
      "Fraction of records that re-send a recent good event unchanged (same meta.id), which the"
          + " pipeline must deduplicate.")
  @Default.Double(0.01)
  @TemplateParameter(
      order = 23,
      group = "Records",
      regexes = "^(0([.][0-9]+)?|1([.]0+)?)$",
      example = "0.01")
  double getDuplicateShare();

  void setDuplicateShare(double value);

  @Description("Random seed: the same seed gives the same sequence of records (apart from times).")
  @Default.Long(42)
  @TemplateParameter(order = 24, group = "Records", example = "42")
  long getSeed();

  void setSeed(long value);

  @Description(
      "Path of the ledger to write: one NDJSON line per record acknowledged by Kafka, with its"
          + " partition, offset, kind, expected outcome and event id. Default: no ledger.")
  @TemplateParameter(order = 25, group = "Records", example = "ledger.ndjson")
  String getLedger();

  void setLedger(String value);

  @Description("Partitions of the topic when the generator has to create it.")
  @Default.Integer(3)
  @TemplateParameter(order = 12, group = "Kafka", regexes = "^[1-9][0-9]*$", example = "3")
  int getPartitions();

  void setPartitions(int value);

  @Description(
      "Extra Kafka producer (and admin) config as comma-separated key=value pairs, e.g."
          + " security.protocol=SASL_SSL,sasl.mechanism=PLAIN,sasl.jaas.config=... (write a comma"
          + " inside a value as \\,).")
  @Default.String("")
  @TemplateParameter(
      order = 13,
      group = "Kafka",
      example = "security.protocol=SASL_SSL,sasl.mechanism=PLAIN")
  String getKafkaProducerConfig();

  void setKafkaProducerConfig(String value);
}
