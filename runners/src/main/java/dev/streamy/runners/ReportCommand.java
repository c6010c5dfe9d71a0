package dev.streamy.runners;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import javax.annotation.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code streamy report}: one self-contained HTML page of charts about an output folder (events per
 * window, dead letters by code over time, top aggregate keys, data quality per layer, throughput,
 * Iceberg commits), which opens offline.
 */
@Command(
    name = "report",
    description = {
      "Write one self-contained HTML page (no network needed to open it) with charts of what an"
          + " ingest wrote to --output: events per window, dead letters by code over time, top"
          + " wikis and types, data quality per layer, throughput, Iceberg commits.",
      "e.g. streamy report --output=streamy-output --out=report.html"
    })
final class ReportCommand implements Callable<Integer> {

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help.")
  boolean help;

  @Option(
      names = "--output",
      paramLabel = "DIR",
      defaultValue = DemoCommand.DEMO_OUTPUT,
      description = "The output folder an ingest or the demo wrote. Default: ${DEFAULT-VALUE}.")
  String output;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Where to write the page. Default: <output>/report.html.")
  @Nullable
  String out;

  @Override
  public Integer call() throws IOException, SQLException {
    Path output = Path.of(this.output).toAbsolutePath();
    Path page = out == null ? output.resolve("report.html") : Path.of(out).toAbsolutePath();
    write(output, page);
    System.out.println("streamy report: " + page);
    return Streamy.OK;
  }

  /** Writes the report of {@code output} to {@code page}; refuses a folder with no output. */
  static Path write(Path output, Path page) throws IOException, SQLException {
    String html = ReportPage.render(RunFigures.read(output));
    if (page.getParent() != null) {
      Files.createDirectories(page.getParent());
    }
    Files.writeString(page, html, StandardCharsets.UTF_8);
    return page;
  }
}
