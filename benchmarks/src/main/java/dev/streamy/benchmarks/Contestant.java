package dev.streamy.benchmarks;

import com.google.auto.value.AutoValue;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One way of doing the ingest job that the harness times: the hand-written baseline, or streamy
 * through {@code ./streamy ingest} on its local default runner, the DirectRunner, or the local
 * Flink cluster (bounded, or streaming a pre-filled topic) at some parallelism.
 */
@AutoValue
abstract class Contestant {

  /** The contestants of a full run, in the order they run. */
  static final String ALL =
      "baseline,embedded,direct,flink-bounded-p1,flink-bounded-p2,flink-streaming-p1,"
          + "flink-streaming-p2";

  private static final Pattern FLINK = Pattern.compile("flink-(bounded|streaming)-p([1-9][0-9]*)");

  enum Kind {
    /** {@code java ... dev.streamy.benchmarks.Baseline}. */
    BASELINE,
    /** {@code ./streamy ingest} without {@code --runner}: whatever runs locally by default. */
    EMBEDDED,
    /** {@code ./streamy ingest --sink=iceberg}: the local default, into Iceberg tables only. */
    EMBEDDED_ICEBERG,
    /** {@code ./streamy ingest --runner=direct}. */
    DIRECT,
    /** {@code ./streamy ingest --runner=flink --maxRecords=N}: the client waits for the job. */
    FLINK_BOUNDED,
    /** {@code ./streamy ingest --runner=flink} without a bound, timed until N records are read. */
    FLINK_STREAMING;

    boolean onCluster() {
      return this == FLINK_BOUNDED || this == FLINK_STREAMING;
    }
  }

  abstract String name();

  abstract Kind kind();

  /** The Flink job's parallelism; 0 off Flink. */
  abstract int parallelism();

  /**
   * The contestant of {@code name}: {@code baseline}, {@code embedded}, {@code embedded-iceberg},
   * {@code direct}, {@code flink-bounded-p<P>} or {@code flink-streaming-p<P>}.
   */
  static Contestant named(String name) {
    switch (name) {
      case "baseline":
        return new AutoValue_Contestant(name, Kind.BASELINE, 0);
      case "embedded":
        return new AutoValue_Contestant(name, Kind.EMBEDDED, 0);
      case "embedded-iceberg":
        return new AutoValue_Contestant(name, Kind.EMBEDDED_ICEBERG, 0);
      case "direct":
        return new AutoValue_Contestant(name, Kind.DIRECT, 0);
      default:
        Matcher flink = FLINK.matcher(name);
        if (!flink.matches()) {
          throw new IllegalArgumentException(
              "--contestants: no contestant '"
                  + name
                  + "'; choose from baseline, embedded, embedded-iceberg, direct, flink-bounded-p<P>,"
                  + " flink-streaming-p<P>");
        }
        return new AutoValue_Contestant(
            name,
            flink.group(1).equals("bounded") ? Kind.FLINK_BOUNDED : Kind.FLINK_STREAMING,
            Integer.parseInt(flink.group(2)));
    }
  }

  /** The contestants of a comma-separated list, in its order. */
  static List<Contestant> list(String names) {
    List<Contestant> contestants = new ArrayList<>();
    for (String name : names.split(",")) {
      if (!name.isBlank()) {
        Contestant contestant = named(name.trim());
        if (contestants.contains(contestant)) {
          throw new IllegalArgumentException("--contestants: " + name + " is named twice");
        }
        contestants.add(contestant);
      }
    }
    if (contestants.isEmpty()) {
      throw new IllegalArgumentException("--contestants: name at least one");
    }
    return contestants;
  }

  /** What the contestant is, for the report. */
  String description() {
    switch (kind()) {
      case BASELINE:
        return "hand-written single-thread baseline (KafkaConsumer + streamy's rules + parquet-hadoop)";
      case EMBEDDED:
        return "./streamy ingest, the local default runner";
      case EMBEDDED_ICEBERG:
        return "./streamy ingest --sink=iceberg, the local default runner into Iceberg tables";
      case DIRECT:
        return "./streamy ingest --runner=direct (Beam DirectRunner)";
      case FLINK_BOUNDED:
        return "./streamy ingest --runner=flink --parallelism="
            + parallelism()
            + " --maxRecords=N on the local Flink cluster (bounded)";
      default:
        return "./streamy ingest --runner=flink --parallelism="
            + parallelism()
            + " on the local Flink cluster (streaming), until records_read = N";
    }
  }
}
