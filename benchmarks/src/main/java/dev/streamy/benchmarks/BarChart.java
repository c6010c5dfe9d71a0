package dev.streamy.benchmarks;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The results as a plain SVG: two horizontal bar charts side by side, records per second and
 * records per CPU-second, one bar per contestant; failed runs are drawn red and labelled so.
 */
final class BarChart {

  private static final int LABEL_WIDTH = 150;
  private static final int PANEL_WIDTH = 360;
  private static final int BAR_HEIGHT = 22;
  private static final int GAP = 8;
  private static final int TOP = 64;

  private BarChart() {}

  static String svg(String title, List<RunResult> runs) {
    int height = TOP + runs.size() * (BAR_HEIGHT + GAP) + 40;
    int width = LABEL_WIDTH + 2 * PANEL_WIDTH + 60;
    StringBuilder svg = new StringBuilder();
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d"
                + " %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            width,
            height,
            width,
            height));
    svg.append(
        String.format(
            Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
            escape(title)));
    for (int i = 0; i < runs.size(); i++) {
      int y = TOP + i * (BAR_HEIGHT + GAP);
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
              LABEL_WIDTH - 8,
              y + BAR_HEIGHT / 2 + 4,
              escape(runs.get(i).contestant())));
    }
    panel(
        svg, runs, LABEL_WIDTH, "records / s (wall clock)", "#3b6ea8", RunResult::recordsPerSecond);
    panel(
        svg,
        runs,
        LABEL_WIDTH + PANEL_WIDTH + 30,
        "records / CPU-second (all processes)",
        "#5a9e4b",
        RunResult::recordsPerCpuSecond);
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static void panel(
      StringBuilder svg,
      List<RunResult> runs,
      int x,
      String heading,
      String colour,
      ToDoubleFunction<RunResult> value) {
    double max = runs.stream().mapToDouble(value).max().orElse(0);
    int barSpace = PANEL_WIDTH - 70;
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n",
            x,
            TOP - 14,
            escape(heading)));
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>%n",
            x,
            TOP - 4,
            x,
            TOP + runs.size() * (BAR_HEIGHT + GAP)));
    for (int i = 0; i < runs.size(); i++) {
      RunResult run = runs.get(i);
      double v = value.applyAsDouble(run);
      int y = TOP + i * (BAR_HEIGHT + GAP);
      int length = max > 0 ? (int) Math.round(barSpace * v / max) : 0;
      String fill = run.failed() ? "#c0392b" : colour;
      svg.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
              x + 1,
              y,
              Math.max(length, 1),
              BAR_HEIGHT,
              fill));
      String label =
          run.failed()
              ? (v > 0 ? String.format(Locale.ROOT, "%,.0f ", v) : "") + "FAILED"
              : String.format(Locale.ROOT, "%,.0f", v);
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\"%s>%s</text>%n",
              x + length + 6,
              y + BAR_HEIGHT / 2 + 4,
              run.failed() ? " fill=\"#c0392b\" font-weight=\"bold\"" : "",
              escape(label)));
    }
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
