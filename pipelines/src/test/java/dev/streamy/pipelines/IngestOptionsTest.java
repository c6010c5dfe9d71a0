package dev.streamy.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.streamy.options.KafkaOptions;
import dev.streamy.pipelines.IngestPipeline.Settings;
import dev.streamy.transforms.Contract;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.PipelineOptionsValidator;
import org.apache.beam.sdk.options.Validation;
import org.apache.beam.sdk.util.SerializableUtils;
import org.joda.time.Duration;
import org.junit.Test;

/** The ingest pipeline's flags: well formed, documented, and read into typed settings once. */
public class IngestOptionsTest {

  private static final List<String> REQUIRED =
      List.of("--bootstrapServers=broker:9092", "--inputTopic=recentchange", "--output=/data/out");

  private static IngestOptions parse(String... extra) {
    List<String> args = new ArrayList<>(REQUIRED);
    args.addAll(Arrays.asList(extra));
    return PipelineOptionsFactory.fromArgs(args.toArray(new String[0]))
        .withValidation()
        .as(IngestOptions.class);
  }

  private static List<Method> getters() {
    List<Method> getters = new ArrayList<>();
    for (Class<?> declaring : List.of(IngestOptions.class, KafkaOptions.class)) {
      for (Method method : declaring.getDeclaredMethods()) {
        if (method.getParameterCount() == 0
            && (method.getName().startsWith("get") || method.getName().startsWith("is"))) {
          getters.add(method);
        }
      }
    }
    return getters;
  }

  private static boolean hasDefault(Method getter) {
    for (Annotation annotation : getter.getAnnotations()) {
      if (annotation.annotationType().getEnclosingClass() == Default.class) {
        return true;
      }
    }
    return false;
  }

  @Test
  public void interfaceIsWellFormed() {
    PipelineOptionsFactory.register(IngestOptions.class);
    IngestOptions options = PipelineOptionsFactory.as(IngestOptions.class);
    assertEquals("1m", options.getWindowSize());
  }

  @Test
  public void everyGetterIsDescribedAndHasADefaultOrIsRequired() {
    List<Method> getters = getters();
    assertEquals(24, getters.size());
    for (Method getter : getters) {
      Description description = getter.getAnnotation(Description.class);
      assertTrue(getter.getName() + " has no @Description", description != null);
      assertFalse(getter.getName() + " has an empty @Description", description.value().isBlank());
      // A default computed from other options (deadLetterTopic) must at least be documented.
      assertTrue(
          getter.getName() + " has neither a default nor @Validation.Required",
          hasDefault(getter)
              || getter.isAnnotationPresent(Validation.Required.class)
              || description.value().contains("Default:"));
    }
  }

  @Test
  public void requiredOptionsFailValidationNamingThemWhenMissing() {
    for (String missing : List.of("bootstrapServers", "inputTopic", "output")) {
      List<String> args = new ArrayList<>();
      for (String arg : REQUIRED) {
        if (!arg.startsWith("--" + missing + "=")) {
          args.add(arg);
        }
      }
      IllegalArgumentException e =
          assertThrows(
              missing,
              IllegalArgumentException.class,
              () ->
                  PipelineOptionsFactory.fromArgs(args.toArray(new String[0]))
                      .withValidation()
                      .as(IngestOptions.class));
      assertThat(e.getMessage(), containsString("--" + missing));
    }
  }

  @Test
  public void validatorAcceptsTheRequiredOptions() {
    IngestOptions options =
        PipelineOptionsFactory.fromArgs(REQUIRED.toArray(new String[0])).as(IngestOptions.class);
    PipelineOptionsValidator.validate(IngestOptions.class, options);
    assertEquals("broker:9092", options.getBootstrapServers());
  }

  @Test
  public void defaultsBecomeTheDocumentedSettings() {
    Settings settings = Settings.from(parse());
    assertEquals(Duration.standardMinutes(1), settings.windowSize);
    assertEquals(Duration.standardMinutes(5), settings.allowedLateness);
    assertEquals(Duration.standardMinutes(10), settings.dedupeWindow);
    assertEquals(Duration.standardHours(1), settings.maxFutureSkew);
    assertEquals(1_048_576, settings.maxRecordBytes);
    assertEquals(64, settings.maxJsonDepth);
    assertEquals(Map.of(), settings.kafkaConfig);
    assertEquals("recentchange.dlq", settings.deadLetterTopic);
    assertEquals(Contract.DEFAULT, settings.contract.name() + "-" + settings.contract.version());
  }

  @Test
  public void defaultsMatchSettingsDefaults() {
    Settings fromOptions = Settings.from(parse());
    Settings defaults = Settings.defaults();
    assertEquals(defaults.windowSize, fromOptions.windowSize);
    assertEquals(defaults.allowedLateness, fromOptions.allowedLateness);
    assertEquals(defaults.dedupeWindow, fromOptions.dedupeWindow);
    assertEquals(defaults.maxFutureSkew, fromOptions.maxFutureSkew);
    assertEquals(defaults.maxRecordBytes, fromOptions.maxRecordBytes);
    assertEquals(defaults.maxJsonDepth, fromOptions.maxJsonDepth);
    assertEquals(defaults.contract.eventSchema(), fromOptions.contract.eventSchema());
  }

  @Test
  public void givenValuesAreRead() {
    Settings settings =
        Settings.from(
            parse(
                "--windowSize=2m",
                "--allowedLateness=30s",
                "--dedupeWindow=1h",
                "--maxFutureSkew=500ms",
                "--maxRecordBytes=1000",
                "--maxJsonDepth=8",
                "--kafkaConsumerConfig=security.protocol=SASL_SSL,sasl.mechanism=PLAIN",
                "--deadLetterTopic=alerts.dead"));
    assertEquals(Duration.standardMinutes(2), settings.windowSize);
    assertEquals(Duration.standardSeconds(30), settings.allowedLateness);
    assertEquals(Duration.standardHours(1), settings.dedupeWindow);
    assertEquals(Duration.millis(500), settings.maxFutureSkew);
    assertEquals(1000, settings.maxRecordBytes);
    assertEquals(8, settings.maxJsonDepth);
    assertEquals(
        Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN"), settings.kafkaConfig);
    assertEquals("alerts.dead", settings.deadLetterTopic);
  }

  @Test
  public void deadLetterTopicNoneMeansFilesOnly() {
    assertNull(Settings.from(parse("--deadLetterTopic=none")).deadLetterTopic);
  }

  @Test
  public void badDurationFailsNamingTheOption() {
    for (String option :
        List.of("windowSize", "allowedLateness", "dedupeWindow", "maxFutureSkew")) {
      IllegalArgumentException e =
          assertThrows(
              option,
              IllegalArgumentException.class,
              () -> Settings.from(parse("--" + option + "=soon")));
      assertThat(e.getMessage(), containsString("--" + option + "=soon"));
    }
  }

  @Test
  public void settingsAreSerializable() {
    Settings settings = SerializableUtils.clone(Settings.from(parse()));
    assertEquals(Duration.standardMinutes(1), settings.windowSize);
    assertEquals("recentchange.dlq", settings.deadLetterTopic);
  }

  @Test
  public void deadLetterProducerGetsCredentialsButNoConsumerOnlySettings() {
    Map<String, String> producer =
        IngestPipeline.producerPart(
            Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.jaas.config", "x required;",
                "group.id", "g",
                "max.poll.records", "5",
                "linger.ms", "5"));
    assertEquals(
        Map.of(
            "security.protocol", "SASL_SSL", "sasl.jaas.config", "x required;", "linger.ms", "5"),
        producer);
  }

  @Test
  public void sinkAndIcebergCatalogAreReadOnceAndChecked() {
    IngestOptions options = parse();
    assertEquals(IngestPipeline.Sink.PARQUET, IngestPipeline.Settings.from(options).sink);
    options.setSink("Both");
    IngestPipeline.Settings both = IngestPipeline.Settings.from(options);
    assertEquals(IngestPipeline.Sink.BOTH, both.sink);
    assertEquals("hadoop", both.icebergCatalogType);
    assertThat(both.icebergCatalog("/data/out").toString(), containsString("/data/out/warehouse"));

    options.setSink("delta");
    IllegalArgumentException badSink =
        assertThrows(IllegalArgumentException.class, () -> IngestPipeline.Settings.from(options));
    assertThat(badSink.getMessage(), containsString("--sink=delta"));

    options.setSink("iceberg");
    options.setIcebergCatalogType("rest");
    IllegalArgumentException noUri =
        assertThrows(IllegalArgumentException.class, () -> IngestPipeline.Settings.from(options));
    assertThat(noUri.getMessage(), containsString("--icebergCatalogUri"));
  }
}
