package dev.streamy.templates;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.streamy.generator.GeneratorOptions;
import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.Settings;
import dev.streamy.pipelines.Sink;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;
import org.junit.Test;

/** Each kind of parameter mistake is refused with a message naming it; valid ones become args. */
public class ParameterValidatorTest {

  private static final Template INGEST = Template.named("kafka-to-lakehouse").orElseThrow();
  private static final Template GENERATOR = Template.named("generator").orElseThrow();
  private static final List<String> REQUIRED =
      List.of("bootstrapServers=broker:9092", "inputTopic=recentchange", "output=/data/out");

  private static ParameterValidator.Result ingest(String... extra) {
    List<String> given = new ArrayList<>(REQUIRED);
    given.addAll(Arrays.asList(extra));
    return ParameterValidator.validate(INGEST, given);
  }

  private static String onlyProblem(ParameterValidator.Result result) {
    assertThat(result.problems(), hasSize(1));
    assertThat(result.args(), hasSize(0));
    return result.problems().get(0);
  }

  @Test
  public void validParametersBecomePipelineArgumentsTheIngestPipelineAccepts() {
    ParameterValidator.Result result =
        ingest("maxRecords=1000", "sink=both", "windowSize=PT2M", "allowedLateness=30s");
    assertTrue(result.problems().toString(), result.valid());
    assertEquals(
        List.of(
            "--bootstrapServers=broker:9092",
            "--inputTopic=recentchange",
            "--maxRecords=1000",
            "--output=/data/out",
            "--sink=both",
            "--windowSize=PT2M",
            "--allowedLateness=30s"),
        result.args());

    IngestOptions options =
        PipelineOptionsFactory.fromArgs(result.args().toArray(new String[0]))
            .withValidation()
            .as(IngestOptions.class);
    Settings settings = Settings.from(options);
    assertEquals(1000, options.getMaxRecords());
    assertEquals(Sink.BOTH, settings.getSink());
    assertEquals(Duration.standardMinutes(2), settings.getWindowSize());
    assertEquals(Duration.standardSeconds(30), settings.getAllowedLateness());
  }

  @Test
  public void generatorParametersBecomeArgumentsTheGeneratorAccepts() {
    ParameterValidator.Result result =
        ParameterValidator.validate(
            GENERATOR, List.of("bootstrapServers=a:1,b:2", "count=50", "rate=2.5", "badShare=0"));
    assertTrue(result.problems().toString(), result.valid());
    GeneratorOptions options =
        PipelineOptionsFactory.fromArgs(result.args().toArray(new String[0]))
            .withValidation()
            .as(GeneratorOptions.class);
    assertEquals(50, options.getCount());
    assertEquals(2.5, options.getRate(), 0);
    assertEquals(0, options.getBadShare(), 0);
  }

  @Test
  public void unknownParameterSuggestsTheClosestName() {
    String problem = onlyProblem(ingest("windowSise=1m"));
    assertThat(problem, containsString("unknown parameter 'windowSise'"));
    assertThat(problem, containsString("did you mean 'windowSize'?"));
    assertThat(problem, containsString("./streamy template describe kafka-to-lakehouse"));
  }

  @Test
  public void unknownParameterFarFromAnyNameSuggestsNothing() {
    String problem = onlyProblem(ingest("runner=FlinkRunner"));
    assertThat(problem, containsString("unknown parameter 'runner'"));
    assertEquals(-1, problem.indexOf("did you mean"));
  }

  @Test
  public void missingRequiredParameterSaysWhatItIs() {
    ParameterValidator.Result result =
        ParameterValidator.validate(
            INGEST, List.of("bootstrapServers=broker:9092", "inputTopic=recentchange"));
    String problem = onlyProblem(result);
    assertThat(problem, containsString("missing required parameter 'output'"));
    assertThat(problem, containsString("Output folder"));
    assertThat(problem, containsString("e.g. /data/streamy"));
  }

  @Test
  public void emptyRequiredParameterIsMissing() {
    ParameterValidator.Result result =
        ParameterValidator.validate(
            INGEST, List.of("bootstrapServers=broker:9092", "inputTopic=t", "output="));
    assertThat(onlyProblem(result), containsString("missing required parameter 'output'"));
  }

  @Test
  public void numberMustBeAWholeNumberOfTheOptionsType() {
    assertThat(
        onlyProblem(ingest("maxRecords=ten")),
        containsString("parameter 'maxRecords' = 'ten' is not a NUMBER: use a whole number"));
    assertThat(
        onlyProblem(ingest("maxJsonDepth=99999999999")),
        containsString("'maxJsonDepth' = '99999999999' is not a NUMBER"));
    assertThat(
        onlyProblem(ingest("targetFileSizeMb=0")),
        containsString("'targetFileSizeMb' = '0' does not match ^[1-9][0-9]*$"));
  }

  @Test
  public void decimalAndItsRegex() {
    ParameterValidator.Result result =
        ParameterValidator.validate(
            GENERATOR, List.of("bootstrapServers=a:1", "rate=fast", "badShare=1.5"));
    assertThat(
        result.problems(),
        contains(
            containsString("'rate' = 'fast' is not a NUMBER: use a decimal number"),
            containsString("'badShare' = '1.5' does not match")));
  }

  @Test
  public void enumSaysTheAllowedValues() {
    assertThat(
        onlyProblem(ingest("sink=delta")),
        containsString(
            "parameter 'sink' = 'delta' is not allowed: use one of parquet, iceberg, both"));
    assertThat(
        onlyProblem(ingest("icebergCatalogType=glue")), containsString("use one of hadoop, rest"));
  }

  @Test
  public void durationMustMatchItsRegex() {
    String problem = onlyProblem(ingest("windowSize=5 minutes"));
    assertThat(problem, containsString("parameter 'windowSize' = '5 minutes' does not match"));
    assertThat(problem, containsString("e.g. PT1M"));
  }

  @Test
  public void booleanIsTrueOrFalse() {
    Parameter flag =
        Parameter.builder()
            .setName("dryRun")
            .setLabel("Dry run")
            .setHelpText("")
            .setOptional(true)
            .setRegexes(List.of(TemplateMetadata.BOOLEAN))
            .setType("BOOLEAN")
            .setDefaultValue("false")
            .setJavaType(boolean.class)
            .setOrder(1)
            .build();
    assertThat(
        ParameterValidator.check(flag, "yes"),
        containsString("parameter 'dryRun' = 'yes' is not a BOOLEAN: use true or false"));
    assertEquals(null, ParameterValidator.check(flag, "true"));
  }

  @Test
  public void duplicateParameterIsRefused() {
    assertThat(
        onlyProblem(ingest("targetFileSizeMb=1", "targetFileSizeMb=2")),
        containsString("parameter 'targetFileSizeMb' given 2 times (1, 2): give it once"));
  }

  @Test
  public void malformedParameterIsRefused() {
    assertThat(
        onlyProblem(ingest("sink")),
        containsString("malformed parameter 'sink': use --param name=value"));
  }

  @Test
  public void everyProblemIsReportedAtOnce() {
    ParameterValidator.Result result =
        ParameterValidator.validate(
            INGEST,
            List.of(
                "bootstrapServer=a:1", "maxRecords=x", "sink=delta", "sink=both", "windowSize=1"));
    assertThat(
        result.problems(),
        contains(
            containsString("unknown parameter 'bootstrapServer'"),
            containsString("missing required parameter 'bootstrapServers'"),
            containsString("missing required parameter 'inputTopic'"),
            containsString("'maxRecords' = 'x'"),
            containsString("missing required parameter 'output'"),
            containsString("'sink' given 2 times"),
            containsString("'windowSize' = '1' does not match")));
    assertThat(result.args(), hasSize(0));
  }

  @Test
  public void distanceCountsEdits() {
    assertEquals(0, ParameterValidator.distance("sink", "sink"));
    assertEquals(1, ParameterValidator.distance("windowsise", "windowsize"));
    assertEquals(1, ParameterValidator.distance("bootstrapserver", "bootstrapservers"));
  }
}
