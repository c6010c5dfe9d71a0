package dev.streamy.benchmarks;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.Test;
import org.w3c.dom.Document;

public class ReportsTest {

  private static RunResult run(String name, double wall, double cpu, boolean passed) {
    return RunResult.builder()
        .setContestant(name)
        .setDescription(name)
        .setCommand("./streamy ingest ...")
        .setRecords(1_000)
        .setWallSeconds(wall)
        .setClientCpuSeconds(cpu)
        .setClientPeakRssMb(100)
        .setExitCode(0)
        .setCheckPassed(passed)
        .setCheck(passed ? "OK" : "FAILED: 3 event rows, the ledger has 4 EVENT")
        .build();
  }

  private final List<RunResult> runs =
      List.of(run("baseline", 1, 2, true), run("direct", 4, 10, true), run("lossy", 0.5, 1, false));

  private final Reports.Context context =
      new Reports.Context(
          "2026-12-01",
          "benchmarks/bench --records=1000",
          1_000,
          "Data: ...",
          Map.of("nproc", "2"));

  @Test
  public void ratiosAreRecordsPerCpuSecondOverTheBaselines() throws Exception {
    JsonNode json = new ObjectMapper().readTree(Reports.json(context, runs));
    JsonNode direct = json.path("runs").get(1);
    assertEquals(1_000 / 10.0, direct.path("recordsPerCpuSecond").asDouble(), 1e-9);
    assertEquals(0.2, direct.path("recordsPerCpuSecondVsBaseline").asDouble(), 1e-9);
    assertTrue(json.path("runs").get(2).path("failed").asBoolean());
    assertTrue(json.path("runs").get(2).path("recordsPerCpuSecondVsBaseline").isNull());
  }

  @Test
  public void failedRunsAreShownAsFailures() {
    String markdown = Reports.markdown(context, runs);
    assertTrue(markdown, markdown.contains("**1 run(s) FAILED**"));
    assertTrue(Reports.table(runs).contains("FAILED: 3 event rows"));
  }

  @Test
  public void theChartIsWellFormedSvgWithTwoBarsPerRun() throws Exception {
    String svg = BarChart.svg("title", runs);
    Document document =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    assertEquals("svg", document.getDocumentElement().getNodeName());
    // the background plus one bar per run in each of the two charts
    assertEquals(1 + 2 * runs.size(), document.getElementsByTagName("rect").getLength());
    assertTrue(svg.contains("FAILED"));
  }
}
