package dev.streamy.templates;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The {@code ./streamy template} command: what it prints, where, and its exit codes. */
public class TemplateCommandTest {

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return new TemplateCommand(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8))
        .execute(args);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  public void listShowsEveryTemplateWithItsMode() {
    assertEquals(0, run("list"));
    assertThat(out(), startsWith("kafka-to-lakehouse  streaming  Reads JSON events"));
    assertThat(out(), containsString("\ngenerator           batch      Produces"));
  }

  @Test
  public void describeShowsTheParametersAndTheMetadataFile() {
    assertEquals(0, run("describe", "kafka-to-lakehouse"));
    assertThat(out(), containsString("metadata: templates/kafka-to-lakehouse/metadata.json"));
    assertThat(out(), containsString("PARAMETER "));
    assertThat(out(), containsString("\nsink "));
    assertThat(out(), containsString("ENUM parquet|iceberg|both"));
  }

  @Test
  public void argsPrintsOneArgumentPerLine() {
    assertEquals(
        0,
        run(
            "args",
            "kafka-to-lakehouse",
            "--param",
            "bootstrapServers=a:1",
            "--param=inputTopic=t",
            "--param",
            "output=/tmp/out"));
    assertEquals("--bootstrapServers=a:1\n--inputTopic=t\n--output=/tmp/out\n", out());
    assertEquals("", err());
  }

  @Test
  public void argsWithMistakesPrintsEveryProblemToStderrAndExits2() {
    assertEquals(
        2,
        run("args", "kafka-to-lakehouse", "--param", "bootstrapServer=a:1", "--param", "sink=x"));
    assertEquals("", out());
    assertThat(err(), containsString("template kafka-to-lakehouse: unknown parameter"));
    assertThat(err(), containsString("template kafka-to-lakehouse: missing required parameter"));
    assertThat(err(), containsString("template kafka-to-lakehouse: parameter 'sink' = 'x'"));
  }

  @Test
  public void settingsThatCannotRunAreRefusedBeforeStarting() {
    assertEquals(
        2,
        run(
            "run",
            "kafka-to-lakehouse",
            "--param",
            "bootstrapServers=a:1",
            "--param",
            "inputTopic=t",
            "--param",
            "output=/tmp/out",
            "--param",
            "sink=iceberg",
            "--param",
            "icebergCatalogType=rest"));
    assertThat(err(), containsString("--icebergCatalogType=rest needs --icebergCatalogUri"));
  }

  @Test
  public void unknownCommandOrTemplateExits2() {
    assertEquals(2, run("frobnicate"));
    assertThat(err(), containsString("unknown command 'frobnicate'"));
    assertEquals(2, run("describe", "kafka"));
    assertThat(err(), containsString("unknown template 'kafka': use one of kafka-to-lakehouse"));
    assertEquals(2, run("args", "generator", "stray"));
    assertThat(err(), containsString("unexpected argument 'stray'"));
  }

  @Test
  public void metadataPrintsTheJson() {
    assertEquals(0, run("metadata", "generator"));
    assertEquals(TemplateMetadata.json(Template.named("generator").orElseThrow()), out());
  }

  @Test
  public void regenerateWritesEveryFileUnderTheRoot() throws Exception {
    Path root = temp.getRoot().toPath();
    assertEquals(0, run("regenerate", root.toString()));
    for (Template template : Template.ALL) {
      assertEquals(
          TemplateMetadata.json(template),
          Files.readString(root.resolve(TemplateFiles.metadataPath(template))));
      assertEquals(
          TemplateReadme.markdown(template),
          Files.readString(root.resolve(TemplateFiles.readmePath(template))));
    }
    assertThat(out(), containsString("wrote "));
    assertEquals(0, run("regenerate", root.toString()));
    assertThat(out(), containsString("unchanged "));
  }
}
