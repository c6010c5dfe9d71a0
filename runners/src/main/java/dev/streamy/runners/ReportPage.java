package dev.streamy.runners;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTML of {@code streamy report}: one self-contained page, charts as SVG drawn here (no
 * library, no URL), inline CSS, and a small script that records each chart's rendered size in
 * {@code data-rendered-width}/{@code data-rendered-height} so a headless browser can tell it drew.
 */
final class ReportPage {

  private static final String[] COLOURS = {
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    "#1f3b73", "#8cd17d", "#b6992d", "#d37295", "#17becf"
  };

  private static final int WIDTH = 1100;
  private static final int HEIGHT = 300;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 20;
  private static final int BOTTOM = 70;

  private ReportPage() {}

  static String render(RunFigures f) {
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
        .append("<title>streamy report</title>\n<style>\n")
        .append("body{font-family:sans-serif;margin:24px;color:#222;max-width:1160px}")
        .append("h1{font-size:22px}h2{font-size:17px;margin-top:28px}")
        .append("table{border-collapse:collapse;margin:8px 0}")
        .append("td,th{border:1px solid #ccc;padding:3px 10px;text-align:right}")
        .append("th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}")
        .append(".note{color:#555;font-size:13px}.legend span{margin-right:14px;font-size:13px}")
        .append(".legend i{display:inline-block;width:11px;height:11px;margin-right:4px}")
        .append("svg text{font-size:11px;fill:#333}")
        .append("\n</style></head><body>\n");
    html.append("<h1>streamy report</h1>\n<p class=\"note\">Output: ")
        .append(esc(f.output().toString()))
        .append(". Read from the Parquet files (DuckDB) and the Iceberg tables (their snapshots);")
        .append(" this page needs no network.</p>\n");

    long deadLetters = f.deadLettersByCode().values().stream().mapToLong(Long::longValue).sum();
    html.append("<h2>Totals</h2>\n<table id=\"totals\"><tr><th>what</th><th>count</th></tr>\n");
    row(html, "events (Parquet)", "events", f.events());
    row(html, "dead letters (Parquet)", "dead-letters", deadLetters);
    f.deadLettersByCode()
        .forEach((code, n) -> row(html, "&nbsp;&nbsp;" + esc(code), "dead-letters-" + code, n));
    if (f.duplicates() != null) {
      row(html, "duplicates removed", "duplicates", f.duplicates());
    }
    html.append("</table>\n<p class=\"note\">Duplicates: ")
        .append(esc(f.duplicatesSource()))
        .append(".</p>\n");

    html.append("<h2>Events per window</h2>\n");
    chartOrNote(
        html,
        "events-per-window",
        f.eventsPerWindow().isEmpty(),
        "No aggregates in this output.",
        () ->
            bars(
                new ArrayList<>(f.eventsPerWindow().keySet()),
                series("events", f.eventsPerWindow())));
    html.append(
        "<p class=\"note\">Window start (UTC); the count is each group's newest pane in the"
            + " aggregates, summed.</p>\n");

    html.append("<h2>Dead letters by code over time</h2>\n");
    chartOrNote(
        html,
        "dead-letters-over-time",
        f.deadLetterTimes().isEmpty(),
        "No dead letters in this output.",
        () -> {
          Map<String, long[]> stacked = new LinkedHashMap<>(f.deadLettersOverTime());
          return bars(f.deadLetterTimes(), stacked);
        });
    html.append("<p class=\"note\">By processing time (UTC), stacked by error code.</p>\n");

    f.topByKey()
        .forEach(
            (key, counts) -> {
              html.append("<h2>Top ").append(esc(key)).append(" values</h2>\n");
              chartOrNote(
                  html,
                  "top-" + key,
                  counts.isEmpty(),
                  "No aggregates.",
                  () -> bars(new ArrayList<>(counts.keySet()), series("events", counts)));
            });

    html.append("<h2>Data quality per layer</h2>\n");
    html.append(
        "<table id=\"quality\"><tr><th>layer</th><th>records</th><th>events</th>"
            + "<th>dead letters</th><th>TS_LATE</th><th>duplicates</th><th>valid share</th>"
            + "<th>duplicate share</th><th>late share</th></tr>\n");
    Map<String, long[]> shares = new LinkedHashMap<>();
    List<String> layerNames = new ArrayList<>();
    for (RunFigures.Layer layer : f.layers()) {
      layerNames.add(layer.name());
      html.append("<tr data-layer=\"")
          .append(esc(layer.name()))
          .append("\"><td>")
          .append(esc(layer.name()))
          .append("</td>")
          .append(cell(layer.records()))
          .append(cell(layer.events()))
          .append(cell(layer.deadLetters()))
          .append(cell(layer.late()))
          .append(layer.duplicates() == null ? "<td>?</td>" : cell(layer.duplicates()))
          .append("<td>")
          .append(percent(layer.validShare()))
          .append("</td><td>")
          .append(layer.duplicateShare() == null ? "?" : percent(layer.duplicateShare()))
          .append("</td><td>")
          .append(percent(layer.lateShare()))
          .append("</td></tr>\n");
    }
    html.append("</table>\n");
    // Shares in tenths of a percent, so the bars share one integer scale.
    String[] kinds = {"valid share", "duplicate share", "late share"};
    for (String kind : kinds) {
      shares.put(kind, new long[f.layers().size()]);
    }
    for (int i = 0; i < f.layers().size(); i++) {
      RunFigures.Layer layer = f.layers().get(i);
      shares.get(kinds[0])[i] = Math.round(layer.validShare() * 1000);
      Double duplicate = layer.duplicateShare();
      shares.get(kinds[1])[i] = duplicate == null ? 0 : Math.round(duplicate * 1000);
      shares.get(kinds[2])[i] = Math.round(layer.lateShare() * 1000);
    }
    chartOrNote(
        html,
        "quality",
        layerNames.isEmpty(),
        "No layers.",
        () -> groupedBars(layerNames, shares, 1000, "%"));
    html.append(
        "<p class=\"note\">records = events + dead letters + duplicates; late share = TS_LATE"
            + " dead letters / records.</p>\n");

    html.append("<h2>Throughput of the run</h2>\n");
    if (f.recordsPerSecond() != null) {
      html.append(
              String.format(
                  Locale.ROOT,
                  "<p id=\"throughput\" data-records-per-second=\"%.1f\"><b>%,.0f records/s</b></p>",
                  f.recordsPerSecond(),
                  f.recordsPerSecond()))
          .append('\n');
    }
    html.append("<p class=\"note\">").append(esc(f.throughputNote())).append(".</p>\n");
    chartOrNote(
        html,
        "rows-committed",
        f.commits().isEmpty(),
        "No Iceberg warehouse in this output: no commits to draw.",
        () -> cumulative(f.commits()));
    html.append(
        "<p class=\"note\">Rows committed to the Iceberg tables, cumulative, against seconds"
            + " since the first commit.</p>\n");

    html.append("<h2>Iceberg commits over time</h2>\n");
    chartOrNote(
        html,
        "iceberg-commits",
        f.commits().isEmpty(),
        "No Iceberg warehouse in this output.",
        () -> commits(f.commits()));
    html.append(
        "<table id=\"commits\"><tr><th>table</th><th>snapshots</th><th>rows added (net)</th></tr>\n");
    Map<String, long[]> perTable = new LinkedHashMap<>();
    for (RunFigures.Commit c : f.commits()) {
      long[] t = perTable.computeIfAbsent(c.table(), k -> new long[2]);
      t[0]++;
      t[1] += c.addedRecords();
    }
    perTable.forEach(
        (table, t) ->
            html.append("<tr data-table=\"")
                .append(esc(table))
                .append("\"><td>")
                .append(esc(table))
                .append("</td>")
                .append(cell(t[0]))
                .append(cell(t[1]))
                .append("</tr>\n"));
    html.append("</table>\n");

    html.append(
        "<script>\n"
            + "document.querySelectorAll('svg.chart').forEach(function (svg) {\n"
            + "  var box = svg.getBoundingClientRect();\n"
            + "  svg.setAttribute('data-rendered-width', Math.round(box.width));\n"
            + "  svg.setAttribute('data-rendered-height', Math.round(box.height));\n"
            + "  var marks = 0;\n"
            + "  svg.querySelectorAll('.mark').forEach(function (m) {\n"
            + "    var b = m.getBoundingClientRect();\n"
            + "    if (b.width > 0 && b.height > 0) { marks++; }\n"
            + "  });\n"
            + "  svg.setAttribute('data-rendered-marks', marks);\n"
            + "});\n"
            + "document.body.setAttribute('data-rendered', 'yes');\n"
            + "</script>\n");
    html.append("</body></html>\n");
    return html.toString();
  }

  private interface Svg {
    String draw();
  }

  private static void chartOrNote(
      StringBuilder html, String id, boolean empty, String note, Svg svg) {
    if (empty) {
      html.append("<p class=\"note\" id=\"")
          .append(esc(id))
          .append("\">")
          .append(note)
          .append("</p>\n");
    } else {
      html.append(svg.draw().replaceFirst("<svg ", "<svg id=\"" + esc(id) + "\" ")).append('\n');
    }
  }

  private static Map<String, long[]> series(String name, Map<String, Long> values) {
    return Map.of(name, values.values().stream().mapToLong(Long::longValue).toArray());
  }

  /** Bars per label, the series stacked, with a legend when there is more than one. */
  private static String bars(List<String> labels, Map<String, long[]> series) {
    long max = 1;
    for (int i = 0; i < labels.size(); i++) {
      long sum = 0;
      for (long[] values : series.values()) {
        sum += values[i];
      }
      max = Math.max(max, sum);
    }
    StringBuilder svg = open();
    long top = axis(svg, max, "");
    double slot = (double) plotWidth() / labels.size();
    double bar = Math.max(1, slot * 0.8);
    long[] base = new long[labels.size()];
    int colour = 0;
    for (Map.Entry<String, long[]> s : series.entrySet()) {
      for (int i = 0; i < labels.size(); i++) {
        long v = s.getValue()[i];
        if (v == 0) {
          continue;
        }
        double y0 = y(base[i], top);
        double y1 = y(base[i] + v, top);
        svg.append(
            String.format(
                Locale.ROOT,
                "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
                    + " fill=\"%s\"><title>%s %s: %d</title></rect>",
                LEFT + i * slot + (slot - bar) / 2,
                y1,
                bar,
                Math.max(0.5, y0 - y1),
                COLOURS[colour % COLOURS.length],
                esc(labels.get(i)),
                esc(s.getKey()),
                v));
        base[i] += v;
      }
      colour++;
    }
    xLabels(svg, labels, slot);
    svg.append("</svg>");
    return legend(series.keySet()) + svg;
  }

  /** Bars per label, the series side by side; values are on a scale of {@code full}. */
  private static String groupedBars(
      List<String> labels, Map<String, long[]> series, long full, String unit) {
    StringBuilder svg = open();
    long top = axis(svg, full, unit);
    double slot = (double) plotWidth() / labels.size();
    double bar = slot * 0.8 / series.size();
    int k = 0;
    for (Map.Entry<String, long[]> s : series.entrySet()) {
      for (int i = 0; i < labels.size(); i++) {
        long v = s.getValue()[i];
        double y1 = y(v, top);
        svg.append(
            String.format(
                Locale.ROOT,
                "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
                    + " fill=\"%s\"><title>%s %s: %.1f%%</title></rect>",
                LEFT + i * slot + slot * 0.1 + k * bar,
                y1,
                bar,
                Math.max(0.5, y(0, top) - y1),
                COLOURS[k % COLOURS.length],
                esc(labels.get(i)),
                esc(s.getKey()),
                v / 10.0));
        svg.append(
            String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.1f%%</text>",
                LEFT + i * slot + slot * 0.1 + (k + 0.5) * bar,
                y1 - 3,
                v / 10.0));
      }
      k++;
    }
    xLabels(svg, labels, slot);
    svg.append("</svg>");
    return legend(series.keySet()) + svg;
  }

  /** The cumulative rows committed (all tables) against seconds since the first commit. */
  private static String cumulative(List<RunFigures.Commit> commits) {
    long first = commits.get(0).millis();
    double span = Math.max(1, commits.get(commits.size() - 1).millis() - first) / 1e3;
    long total = commits.stream().mapToLong(RunFigures.Commit::addedRecords).sum();
    StringBuilder svg = open();
    long top = axis(svg, Math.max(1, total), "");
    StringBuilder path = new StringBuilder();
    long sum = 0;
    path.append(String.format(Locale.ROOT, "M%.1f,%.1f", x(0, span), y(0, top)));
    for (RunFigures.Commit c : commits) {
      sum += c.addedRecords();
      path.append(
          String.format(
              Locale.ROOT, " L%.1f,%.1f", x((c.millis() - first) / 1e3, span), y(sum, top)));
    }
    svg.append("<path class=\"mark\" fill=\"none\" stroke=\"")
        .append(COLOURS[0])
        .append("\" stroke-width=\"2\" d=\"")
        .append(path)
        .append("\"/>");
    timeAxis(svg, span);
    svg.append("</svg>");
    return svg.toString();
  }

  /** One bar per commit at its time, its height the rows it added, coloured by table. */
  private static String commits(List<RunFigures.Commit> commits) {
    long first = commits.get(0).millis();
    double span = Math.max(1, commits.get(commits.size() - 1).millis() - first) / 1e3;
    long max =
        Math.max(1, commits.stream().mapToLong(RunFigures.Commit::addedRecords).max().orElse(1));
    List<String> tables = commits.stream().map(RunFigures.Commit::table).distinct().toList();
    StringBuilder svg = open();
    long top = axis(svg, max, "");
    for (RunFigures.Commit c : commits) {
      double x = x((c.millis() - first) / 1e3, span);
      double y1 = y(c.addedRecords(), top);
      svg.append(
          String.format(
              Locale.ROOT,
              "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"%.1f\""
                  + " fill=\"%s\"><title>%s %s at %s: %d rows</title></rect>",
              x - 3,
              y1,
              Math.max(1, y(0, top) - y1),
              COLOURS[tables.indexOf(c.table()) % COLOURS.length],
              esc(c.table()),
              esc(c.operation()),
              RunFigures.clock(c.millis()),
              c.addedRecords()));
    }
    timeAxis(svg, span);
    svg.append("</svg>");
    return legend(tables) + svg;
  }

  private static StringBuilder open() {
    return new StringBuilder(
        String.format(
            Locale.ROOT,
            "<svg class=\"chart\" width=\"%d\" height=\"%d\"" + " viewBox=\"0 0 %d %d\">",
            WIDTH,
            HEIGHT,
            WIDTH,
            HEIGHT));
  }

  /** The y axis from 0 to a round number at or above {@code max}; returns that number. */
  private static long axis(StringBuilder svg, long max, String unit) {
    long step = niceStep(max);
    long top = (max + step - 1) / step * step;
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
                + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
            LEFT,
            TOP,
            LEFT,
            HEIGHT - BOTTOM,
            LEFT,
            HEIGHT - BOTTOM,
            WIDTH - RIGHT,
            HEIGHT - BOTTOM));
    for (long v = 0; v <= top; v += step) {
      double y = y(v, top);
      String label =
          unit.equals("%")
              ? String.format(Locale.ROOT, "%d%%", v / 10)
              : String.format(Locale.ROOT, "%,d", v);
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
              LEFT,
              y,
              WIDTH - RIGHT,
              y,
              LEFT - 6,
              y + 4,
              label));
    }
    return top;
  }

  private static long niceStep(long max) {
    double raw = max / 5.0;
    long magnitude = (long) Math.pow(10, Math.floor(Math.log10(Math.max(1, raw))));
    for (long m : new long[] {1, 2, 5, 10}) {
      if (m * magnitude >= raw) {
        return Math.max(1, m * magnitude);
      }
    }
    return 10 * magnitude;
  }

  private static void xLabels(StringBuilder svg, List<String> labels, double slot) {
    int every = Math.max(1, (int) Math.ceil(labels.size() / (plotWidth() / 60.0)));
    for (int i = 0; i < labels.size(); i += every) {
      double x = LEFT + (i + 0.5) * slot;
      double y = HEIGHT - BOTTOM + 12;
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" transform=\"rotate(-30 %.1f %.1f)\">%s</text>",
              x,
              y,
              x,
              y,
              esc(labels.get(i))));
    }
  }

  private static void timeAxis(StringBuilder svg, double span) {
    for (int i = 0; i <= 5; i++) {
      double s = span * i / 5;
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.1f s</text>",
              x(s, span),
              HEIGHT - BOTTOM + 16,
              s));
    }
  }

  private static String legend(Iterable<String> names) {
    StringBuilder legend = new StringBuilder("<div class=\"legend\">");
    int i = 0;
    for (String name : names) {
      legend
          .append("<span><i style=\"background:")
          .append(COLOURS[i++ % COLOURS.length])
          .append("\"></i>")
          .append(esc(name))
          .append("</span>");
    }
    return legend.append("</div>").toString();
  }

  private static int plotWidth() {
    return WIDTH - LEFT - RIGHT;
  }

  private static double x(double seconds, double span) {
    return LEFT + 10 + (plotWidth() - 20) * seconds / span;
  }

  private static double y(long value, long top) {
    return HEIGHT - BOTTOM - (double) (HEIGHT - BOTTOM - TOP) * value / top;
  }

  private static void row(StringBuilder html, String what, String key, long n) {
    html.append("<tr><td>")
        .append(what)
        .append("</td><td data-total=\"")
        .append(esc(key))
        .append("\">")
        .append(n)
        .append("</td></tr>\n");
  }

  private static String cell(long n) {
    return "<td>" + n + "</td>";
  }

  private static String percent(double share) {
    return String.format(Locale.ROOT, "%.1f%%", share * 100);
  }

  static String esc(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
