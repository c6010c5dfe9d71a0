package dev.streamy.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.streamy.io.IcebergCatalogSettings;
import dev.streamy.transforms.Contract;
import dev.streamy.transforms.ErrorBudget;
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
    for (Method method : IngestOptions.class.getDeclaredMethods()) {
      if (method.getParameterCount() == 0
          && (method.getName().startsWith("get") || method.getName().startsWith("is"))) {
        getters.add(method);
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
    assertEquals(34, getters.size());
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
    assertEquals(Duration.standardMinutes(1), settings.getWindowSize());
    assertEquals(Duration.standardMinutes(5), settings.getAllowedLateness());
    assertEquals(Duration.standardMinutes(10), settings.getDedupeWindow());
    assertEquals(Duration.standardHours(1), settings.getMaxFutureSkew());
    assertEquals(1_048_576, settings.getMaxRecordBytes());
    assertEquals(64, settings.getMaxJsonDepth());
    assertEquals(Map.of(), settings.getKafkaConfig());
    assertEquals("recentchange.dlq", settings.getDeadLetterTopic());
    assertFalse(settings.getErrorBudget().isOn());
    assertEquals(Duration.standardMinutes(5), settings.getErrorBudget().getWindow());
    assertEquals(1_000, settings.getErrorBudget().getMinRecords());
    assertEquals(
        Contract.DEFAULT,
        settings.getContract().getName() + "-" + settings.getContract().getVersion());
  }

  @Test
  public void defaultsMatchSettingsDefaults() {
    Settings fromOptions = Settings.from(parse());
    Settings defaults = Settings.defaults();
    assertEquals(defaults.getWindowSize(), fromOptions.getWindowSize());
    assertEquals(defaults.getAllowedLateness(), fromOptions.getAllowedLateness());
    assertEquals(defaults.getDedupeWindow(), fromOptions.getDedupeWindow());
    assertEquals(defaults.getMaxFutureSkew(), fromOptions.getMaxFutureSkew());
    assertEquals(defaults.getMaxRecordBytes(), fromOptions.getMaxRecordBytes());
    assertEquals(defaults.getMaxJsonDepth(), fromOptions.getMaxJsonDepth());
    assertEquals(defaults.getErrorBudget(), fromOptions.getErrorBudget());
    assertEquals(
        defaults.getContract().getEventSchema(), fromOptions.getContract().getEventSchema());
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
    assertEquals(Duration.standardMinutes(2), settings.getWindowSize());
    assertEquals(Duration.standardSeconds(30), settings.getAllowedLateness());
    assertEquals(Duration.standardHours(1), settings.getDedupeWindow());
    assertEquals(Duration.millis(500), settings.getMaxFutureSkew());
    assertEquals(1000, settings.getMaxRecordBytes());
    assertEquals(8, settings.getMaxJsonDepth());
    assertEquals(
        Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN"),
        settings.getKafkaConfig());
    assertEquals("alerts.dead", settings.getDeadLetterTopic());
  }

  @Test
  public void theSinkIdIsTheConsumerGroupUnlessGivenAndMustBeAName() {
    assertEquals(
        "streamy-ingest", Settings.from(parse("--consumerGroup=streamy-ingest")).getSinkId());
    assertEquals(
        "job-2",
        Settings.from(parse("--consumerGroup=streamy-ingest", "--sinkId=job-2")).getSinkId());
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class, () -> Settings.from(parse("--sinkId=../escape")));
    assertTrue(bad.getMessage(), bad.getMessage().contains("sinkId"));
  }

  @Test
  public void backfillOptionsBecomeItsStartAndEnd() {
    Settings settings =
        Settings.from(parse("--startOffsets=0:100, 1:250", "--endTime=2026-12-04T06:00:00+01:00"));
    assertTrue(settings.isBackfill());
    assertEquals(Map.of(0, 100L, 1, 250L), settings.getBackfillStart().getOffsets());
    assertEquals(
        Long.valueOf(java.time.Instant.parse("2026-12-04T05:00:00Z").toEpochMilli()),
        settings.getBackfillEnd().getTimeMillis());
    assertEquals(
        Long.valueOf(1764806400000L),
        Settings.from(parse("--startTime=1764806400000")).getBackfillStart().getTimeMillis());
    assertFalse(Settings.from(parse()).isBackfill());
    assertTrue(Settings.isBounded(parse("--endOffsets=0:5")));
    assertFalse(Settings.isBounded(parse()));
  }

  @Test
  public void badBackfillOptionsFailInOneLineNamingTheOption() {
    Map<List<String>, String> cases =
        Map.of(
            List.of("--startOffsets=0:100,1:250", "--startTime=2026-12-04T00:00:00Z"),
            "--startOffsets and --startTime exclude each other",
            List.of("--endOffsets=0:1", "--endTime=5"),
            "--endOffsets and --endTime exclude each other",
            List.of("--startOffsets=0-100"),
            "--startOffsets=0-100: '0-100' is not partition:offset",
            List.of("--startOffsets=0:100,,1:2"),
            "--startOffsets=0:100,,1:2: '' is not partition:offset",
            List.of("--endOffsets=0:100,0:200"),
            "--endOffsets=0:100,0:200: partition 0 is named twice",
            List.of("--startOffsets=0:-1"),
            "--startOffsets=0:-1: '0:-1': partitions and offsets are never negative",
            List.of("--startTime=yesterday"),
            "--startTime=yesterday: not a time",
            List.of("--startTime=0:5", "--maxRecords=10"),
            "--startTime=0:5: not a time",
            List.of("--startOffsets=0:5", "--maxRecords=10"),
            "--maxRecords=10: a backfill");
    cases.forEach(
        (args, message) -> {
          IllegalArgumentException e =
              assertThrows(
                  args.toString(),
                  IllegalArgumentException.class,
                  () -> Settings.from(parse(args.toArray(new String[0]))));
          assertThat(e.getMessage(), containsString(message));
          assertFalse(e.getMessage(), e.getMessage().contains("\n"));
        });
  }

  @Test
  public void deadLetterTopicNoneMeansFilesOnly() {
    assertNull(Settings.from(parse("--deadLetterTopic=none")).getDeadLetterTopic());
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
    assertEquals(Duration.standardMinutes(1), settings.getWindowSize());
    assertEquals("recentchange.dlq", settings.getDeadLetterTopic());
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
    assertEquals(Sink.PARQUET, Settings.from(parse()).getSink());
    assertNull(Settings.from(parse()).getIcebergCatalog());
    Settings both = Settings.from(parse("--sink=Both"));
    assertEquals(Sink.BOTH, both.getSink());
    assertEquals(IcebergCatalogSettings.Type.HADOOP, both.getIcebergCatalog().getType());
    assertThat(both.getIcebergCatalog().toString(), containsString("/data/out/warehouse"));
    assertEquals(Sink.ICEBERG, Settings.from(parse("--sink=iceberg")).getSink());

    IllegalArgumentException badSink =
        assertThrows(IllegalArgumentException.class, () -> parse("--sink=delta"));
    assertEquals("--sink=delta: use parquet, iceberg or both", OptionErrors.oneLine(badSink));

    IllegalArgumentException badCatalog =
        assertThrows(IllegalArgumentException.class, () -> parse("--icebergCatalogType=glue"));
    assertEquals("--icebergCatalogType=glue: use hadoop or rest", OptionErrors.oneLine(badCatalog));

    IllegalArgumentException noUri =
        assertThrows(
            IllegalArgumentException.class,
            () -> Settings.from(parse("--sink=iceberg", "--icebergCatalogType=rest")));
    assertThat(noUri.getMessage(), containsString("--icebergCatalogUri"));
    Settings rest =
        Settings.from(
            parse(
                "--sink=both",
                "--icebergCatalogType=REST",
                "--icebergCatalogUri=http://catalog:8181"));
    assertEquals(IcebergCatalogSettings.Type.REST, rest.getIcebergCatalog().getType());
  }

  @Test
  public void trailingSlashesOfTheOutputAreTrimmedOnce() {
    Settings settings =
        Settings.from(
            PipelineOptionsFactory.fromArgs(
                    "--bootstrapServers=broker:9092",
                    "--inputTopic=recentchange",
                    "--output=/data/out//",
                    "--sink=both")
                .as(IngestOptions.class));
    assertEquals("/data/out", settings.getOutput());
    assertThat(settings.getIcebergCatalog().toString(), containsString("/data/out/warehouse"));
  }

  /** The one-line message of a user error in {@code args}, as the launchers print it. */
  private static String refused(String... args) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Settings.from(parse(args)));
    String line = OptionErrors.oneLine(e);
    assertFalse(line + " is one line", line.contains("\n"));
    return line;
  }

  @Test
  public void numbersOutOfRangeAreRefusedNamingTheOption() {
    assertEquals(
        "--maxRecords=-5: must be 0 (stream forever) or a positive count",
        refused("--maxRecords=-5"));
    assertEquals(
        "--targetFileSizeMb=0: must be a positive number of megabytes",
        refused("--targetFileSizeMb=0"));
    assertEquals(
        "--maxRecordBytes=0: must be a positive number of bytes", refused("--maxRecordBytes=0"));
    assertEquals(
        "--maxJsonDepth=-1: must be a positive number of nesting levels",
        refused("--maxJsonDepth=-1"));
  }

  @Test
  public void theErrorBudgetIsReadAsOneValueAndItsLimitsNameTheOption() {
    ErrorBudget budget =
        Settings.from(
                parse(
                    "--maxDeadLetterRatio=0.05",
                    "--errorBudgetWindow=90s",
                    "--errorBudgetMinRecords=200"))
            .getErrorBudget();
    assertTrue(budget.isOn());
    assertEquals(0.05, budget.getMaxDeadLetterRatio(), 0);
    assertEquals(Duration.standardSeconds(90), budget.getWindow());
    assertEquals(200, budget.getMinRecords());
    assertEquals(
        "--maxDeadLetterRatio=1.5: must be a share of the records from 0 to 1 (1, the default, is"
            + " off)",
        refused("--maxDeadLetterRatio=1.5"));
    assertThat(refused("--maxDeadLetterRatio=-0.1"), containsString("--maxDeadLetterRatio=-0.1"));
    assertEquals("--errorBudgetWindow=0: must be longer than 0", refused("--errorBudgetWindow=0"));
    assertThat(
        refused("--errorBudgetWindow=5ms"),
        containsString("--errorBudgetWindow=5ms: the window must be at least 10ms"));
    assertEquals(
        "--errorBudgetMinRecords=0: must be a positive number of records",
        refused("--errorBudgetMinRecords=0"));
  }

  @Test
  public void durationsThatMustBePositiveAreRefused() {
    assertEquals("--windowSize=0: must be longer than 0", refused("--windowSize=0"));
    assertEquals(
        "--icebergCommitInterval=0s: must be longer than 0", refused("--icebergCommitInterval=0s"));
    assertThat(refused("--allowedLateness=-1m"), containsString("--allowedLateness=-1m"));
  }

  @Test
  public void aContractIsANameOrAPathAndTheFileLookedForIsNamed() {
    assertEquals(
        "--contract=/nonexistent: no such contract file /nonexistent",
        refused("--contract=/nonexistent"));
    assertThat(
        refused("--contract=no-such-contract"),
        containsString(
            "--contract=no-such-contract: no contract named no-such-contract"
                + " (contracts/no-such-contract.contract.json on the classpath)"));
    assertEquals(
        "shop-order-1.0.0", Settings.from(parse("--contract=shop-order-1.0.0")).getContract().id());
  }

  @Test
  public void badTopicsNamespacesAndConfigAreRefusedNamingTheOption() {
    assertThat(refused("--deadLetterTopic=a b"), containsString("--deadLetterTopic=a b: "));
    assertThat(
        refused("--icebergNamespace=a.b"), containsString("--icebergNamespace=a.b: namespace"));
    String config = refused("--kafkaConsumerConfig=sasl.jaas.config=s3cr3t,oops");
    assertThat(config, containsString("--kafkaConsumerConfig: Kafka client config entry #2"));
    assertFalse(config, config.contains("s3cr3t"));
    assertThat(
        refused("--kafkaConfigFile=/no/such/client.properties"),
        containsString(
            "--kafkaConfigFile=/no/such/client.properties: cannot read the Kafka client settings"
                + " file /no/such/client.properties"));
    assertThat(
        refused("--sink=iceberg", "--icebergCatalogProperties=warehouse=/x"),
        containsString("--icebergCatalogProperties: Catalog property warehouse"));
  }

  @Test
  public void catalogPropertiesComeFromAFileWithTheInlineOnesOnTop() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("catalog", ".properties");
    java.nio.file.Files.writeString(file, "s3.endpoint=http://minio:9000\ntoken=from-file\n");
    Settings settings =
        Settings.from(
            parse(
                "--sink=iceberg",
                "--icebergCatalogConfigFile=" + file,
                "--icebergCatalogProperties=token=inline"));
    Map<String, String> properties = settings.getIcebergCatalog().catalogProperties();
    assertEquals("http://minio:9000", properties.get("s3.endpoint"));
    assertEquals("inline", properties.get("token"));
    assertFalse(settings.toString().contains("inline"));
    java.nio.file.Files.delete(file);
  }
}
