package dev.streamy.runners;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the streamy checkout the CLI runs from keeps what it builds and starts. */
final class Checkout {

  /** System property naming the checkout (the {@code ./streamy} shim sets it). */
  static final String HOME_PROPERTY = "streamy.home";

  private Checkout() {}

  /**
   * The checkout: the {@value #HOME_PROPERTY} system property, else the first folder above the
   * working directory that holds {@code runners/kafka-broker}.
   */
  static Path home() {
    String home = System.getProperty(HOME_PROPERTY);
    if (home != null && !home.isBlank()) {
      return Paths.get(home).toAbsolutePath();
    }
    Path dir = Paths.get(System.getProperty("user.dir")).toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("runners/kafka-broker"))) {
        return d;
      }
    }
    throw new IllegalStateException(
        "cannot find the streamy checkout: set -D"
            + HOME_PROPERTY
            + "=<folder> or run from inside it (working directory "
            + dir
            + ")");
  }

  /** The Kafka broker's jars, as {@code runners/kafka-broker} copies them. */
  static Path kafkaLib() {
    return home().resolve("runners/kafka-broker/target/lib");
  }

  /** Flink's jars for the local cluster: {@code STREAMY_FLINK_LIB}, else the module's copy. */
  static Path flinkLib() {
    String lib = System.getenv("STREAMY_FLINK_LIB");
    return lib != null && !lib.isBlank()
        ? Paths.get(lib).toAbsolutePath()
        : home().resolve("runners/flink-cluster/target/lib");
  }

  /** The local Flink cluster's folder: {@code STREAMY_FLINK_DIR}, else in the checkout. */
  static Path flinkDir() {
    String dir = System.getenv("STREAMY_FLINK_DIR");
    return dir != null && !dir.isBlank()
        ? Paths.get(dir).toAbsolutePath()
        : home().resolve(".streamy/flink-cluster");
  }

  /** The Flink job jar the runners/flink module builds. */
  static Path flinkJar() {
    return home().resolve("runners/flink/target/streamy-flink.jar");
  }
}
