package dev.streamy.runners;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real single-node KRaft Kafka broker running as its own JVM, for tests and the local demo.
 *
 * <p>The broker runs from the jars of {@code runners/kafka-broker/target/lib} (Kafka 4.x with its
 * own kafka-clients 4.x), so it never shares a classpath with the pipeline's kafka-clients 3.9.
 * Every instance gets fresh loopback ports and a fresh temporary directory that holds {@code
 * server.properties}, the data and the logs ({@code broker.log} for log4j, {@code stdout.log} for
 * the console); {@link #close()} and a JVM shutdown hook stop the process and delete the directory.
 */
public final class LocalKafka implements AutoCloseable {

  /** System property naming the folder with the broker jars. */
  public static final String LIB_PROPERTY = "streamy.kafka.lib";

  /** System property naming the streamy checkout (set by the {@code ./streamy} shim). */
  public static final String HOME_PROPERTY = Checkout.HOME_PROPERTY;

  private static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);
  private static final int START_ATTEMPTS = 3;
  private static final Pattern JAR_VERSION =
      Pattern.compile("^(kafka_2\\.1[23]|kafka-clients)-(.+)\\.jar$");

  /**
   * The broker process; {@link #restart()} replaces it, the shutdown hook stops the current one.
   */
  private final AtomicReference<Process> process;

  private final Path lib;
  private final String maxHeap;
  private final Path directory;
  private final String bootstrapServers;
  private final Thread shutdownHook;
  private final Admin admin;
  private final Duration startupTime;
  private boolean closed;

  private LocalKafka(
      AtomicReference<Process> process,
      Path lib,
      String maxHeap,
      Path directory,
      String bootstrapServers,
      Thread shutdownHook,
      Admin admin,
      Duration startupTime) {
    this.process = process;
    this.lib = lib;
    this.maxHeap = maxHeap;
    this.directory = directory;
    this.bootstrapServers = bootstrapServers;
    this.shutdownHook = shutdownHook;
    this.admin = admin;
    this.startupTime = startupTime;
  }

  /** Starts a broker from the {@linkplain #defaultLib() default lib folder}. */
  public static LocalKafka start() throws IOException {
    return start(defaultLib());
  }

  /** Starts a broker from the jars in {@code lib}, waiting up to 60 s for it to be ready. */
  public static LocalKafka start(Path lib) throws IOException {
    return start(lib, DEFAULT_START_TIMEOUT, "512m");
  }

  /**
   * Starts a broker from the jars in {@code lib} with the given maximum heap (a JVM size such as
   * {@code 512m}) and waits until it answers a describe-cluster request, or fails after {@code
   * startTimeout} with the tail of the broker's logs.
   */
  public static LocalKafka start(Path lib, Duration startTimeout, String maxHeap)
      throws IOException {
    checkLib(lib);
    for (int attempt = 1; ; attempt++) {
      try {
        return startOnce(lib, startTimeout, maxHeap);
      } catch (PortTakenException e) {
        // Another process took a probed port between probing and binding: try fresh ports.
        if (attempt == START_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /**
   * The broker jars: the {@value #LIB_PROPERTY} system property, else {@code
   * runners/kafka-broker/target/lib} of the checkout (the {@value #HOME_PROPERTY} folder, or the
   * first folder above the working directory that holds {@code runners/kafka-broker}).
   */
  public static Path defaultLib() {
    String lib = System.getProperty(LIB_PROPERTY);
    if (lib != null && !lib.isBlank()) {
      return Paths.get(lib);
    }
    return Checkout.kafkaLib();
  }

  /** {@code host:port} of the broker's PLAINTEXT listener on 127.0.0.1. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The broker's temporary folder: server.properties, data, broker.log and stdout.log. */
  public Path directory() {
    return directory;
  }

  /** The broker's log4j log (INFO and up); {@code stdout.log} next to it has the console. */
  public Path logFile() {
    return directory.resolve("broker.log");
  }

  /** The broker process id. */
  public long pid() {
    return process.get().pid();
  }

  /** Whether the broker process is still running. */
  public boolean isAlive() {
    return process.get().isAlive();
  }

  /** How long the broker took from launch to its first successful describe-cluster answer. */
  public Duration startupTime() {
    return startupTime;
  }

  /** Creates a topic (replication factor 1) and waits until every partition has a leader. */
  public void createTopic(String name, int partitions) {
    createTopic(name, partitions, Map.of());
  }

  /**
   * Creates a topic with the given topic configs (e.g. {@code max.message.bytes}) and waits until
   * every partition has a leader. A topic that already exists with the same partition count is
   * accepted.
   */
  public void createTopic(String name, int partitions, Map<String, String> configs) {
    checkOpen();
    NewTopic topic =
        new NewTopic(name, Optional.of(partitions), Optional.of((short) 1)).configs(configs);
    try {
      admin.createTopics(List.of(topic)).all().get(TOPIC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create topic " + name, e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topic " + name, e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out creating topic " + name + tail(), e);
    }
    awaitLeaders(name, partitions);
  }

  /**
   * Restarts the broker the way an operator's rolling restart does: a clean stop (SIGTERM, SIGKILL
   * after 20 s), then the same broker on the same ports and data, and waits until it answers a
   * describe-cluster request again. Clients see a broker outage, nothing lost.
   */
  public synchronized void restart() throws IOException {
    checkOpen();
    LocalProcesses.stop(List.of(process.get().toHandle()), STOP_TIMEOUT);
    List<String> command =
        javaCommand(lib, directory.resolve("log4j2.properties"), "-Xmx" + maxHeap);
    command.add("kafka.Kafka");
    command.add(directory.resolve("server.properties").toString());
    Process restarted =
        LocalProcesses.launch(
            command, directory, directory.resolve("stdout.log.restarted"), false, Map.of());
    process.set(restarted);
    int port = Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
    List<LocalProcesses.Watched> broker =
        List.of(
            LocalProcesses.Watched.of("the Kafka broker", restarted.toHandle(), logs(directory)));
    LocalProcesses.await(
        "for the restarted broker to listen on port " + port,
        DEFAULT_START_TIMEOUT,
        broker,
        () -> LocalProcesses.portInUse(port));
    LocalProcesses.await(
        "for the restarted broker to answer describeCluster",
        DEFAULT_START_TIMEOUT,
        broker,
        () -> {
          DescribeClusterResult cluster = admin.describeCluster();
          Collection<?> nodes = cluster.nodes().get(2, TimeUnit.SECONDS);
          return !nodes.isEmpty() && cluster.controller().get(2, TimeUnit.SECONDS) != null;
        });
  }

  /** Stops the broker (SIGTERM, then SIGKILL after 20 s) and deletes its folder. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    admin.close(Duration.ofSeconds(5));
    stop(process.get(), directory);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook runs (harmlessly) on its own.
    }
  }

  private static LocalKafka startOnce(Path lib, Duration startTimeout, String maxHeap)
      throws IOException {
    Path dir = Files.createTempDirectory("streamy-kafka-");
    Process process = null;
    Thread hook = null;
    Admin admin = null;
    try {
      int[] ports = LocalProcesses.freePorts(2);
      int brokerPort = ports[0];
      int controllerPort = ports[1];
      Path config = dir.resolve("server.properties");
      Files.writeString(config, serverProperties(dir, brokerPort, controllerPort));
      Path log4j = dir.resolve("log4j2.properties");
      Files.writeString(log4j, log4jProperties(dir.resolve("broker.log")));

      format(lib, dir, config, log4j);

      long launched = System.nanoTime();
      List<String> command = javaCommand(lib, log4j, "-Xmx" + maxHeap);
      command.add("kafka.Kafka");
      command.add(config.toString());
      process = LocalProcesses.launch(command, dir, dir.resolve("stdout.log"), false, Map.of());
      AtomicReference<Process> current = new AtomicReference<>(process);
      hook = new Thread(() -> stop(current.get(), dir), "streamy-local-kafka-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);

      String bootstrap = "127.0.0.1:" + brokerPort;
      List<LocalProcesses.Watched> broker =
          List.of(LocalProcesses.Watched.of("the Kafka broker", process.toHandle(), logs(dir)));
      // A listening port first: cheap, and no client log spam meanwhile.
      LocalProcesses.await(
          "for the broker to listen on port " + brokerPort,
          startTimeout,
          broker,
          () -> LocalProcesses.portInUse(brokerPort));
      Admin client = Admin.create(adminConfig(bootstrap));
      admin = client;
      Duration left = startTimeout.minus(Duration.ofNanos(System.nanoTime() - launched));
      LocalProcesses.await(
          "for the broker to answer describeCluster",
          left.isNegative() ? Duration.ZERO : left,
          broker,
          () -> {
            DescribeClusterResult cluster = client.describeCluster();
            Collection<?> nodes = cluster.nodes().get(2, TimeUnit.SECONDS);
            return !nodes.isEmpty() && cluster.controller().get(2, TimeUnit.SECONDS) != null;
          });
      Duration startupTime = Duration.ofNanos(System.nanoTime() - launched);
      return new LocalKafka(current, lib, maxHeap, dir, bootstrap, hook, admin, startupTime);
    } catch (LocalProcesses.ProcessEndedException e) {
      cleanUp(process, dir, hook, admin);
      if (e.getMessage().contains("Address already in use")
          || e.getMessage().contains("BindException")) {
        throw new PortTakenException("a probed port was taken before the broker bound it: " + e);
      }
      throw e;
    } catch (IOException | RuntimeException e) {
      cleanUp(process, dir, hook, admin);
      throw e;
    }
  }

  private static void cleanUp(Process process, Path dir, Thread hook, Admin admin) {
    if (admin != null) {
      admin.close(Duration.ZERO);
    }
    if (process != null) {
      stop(process, dir);
    } else {
      LocalProcesses.deleteRecursively(dir);
    }
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException ignored) {
        // shutting down
      }
    }
  }

  private static List<Path> logs(Path dir) {
    return List.of(dir.resolve("format.log"), dir.resolve("stdout.log"), dir.resolve("broker.log"));
  }

  /** Refuses a lib folder that cannot run a broker, before spending seconds on a doomed JVM. */
  static void checkLib(Path lib) {
    if (!Files.isDirectory(lib)) {
      throw new IllegalStateException(
          "no Kafka broker jars: "
              + lib
              + " does not exist. Build them with `mvn -q -pl runners/kafka-broker package` from"
              + " the repository root, or set -D"
              + LIB_PROPERTY);
    }
    String brokerVersion = null;
    String clientsVersion = null;
    try (Stream<Path> files = Files.list(lib)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Matcher m = JAR_VERSION.matcher(f.getFileName().toString());
        if (m.matches()) {
          if (m.group(1).equals("kafka-clients")) {
            clientsVersion = m.group(2);
          } else {
            brokerVersion = m.group(2);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (brokerVersion == null) {
      throw new IllegalStateException("no kafka_2.13-<version>.jar in " + lib);
    }
    if (clientsVersion != null && !clientsVersion.equals(brokerVersion)) {
      // A Kafka server only runs with the kafka-clients of its own release; a mismatch dies with
      // NoSuchMethodError (e.g. Endpoint.listener()) before it logs anything useful.
      throw new IllegalStateException(
          "the broker jars in "
              + lib
              + " mix kafka_2.13-"
              + brokerVersion
              + " with kafka-clients-"
              + clientsVersion
              + ": the broker needs kafka-clients "
              + brokerVersion
              + ". The parent POM pins kafka-clients (and Jackson) for the pipeline; the"
              + " runners/kafka-broker module must override both in its own dependencyManagement.");
    }
  }

  private static void format(Path lib, Path dir, Path config, Path log4j) throws IOException {
    List<String> command = javaCommand(lib, log4j, "-Xmx256m");
    command.addAll(
        List.of("kafka.tools.StorageTool", "format", "-t", clusterId(), "-c", config.toString()));
    Path out = dir.resolve("format.log");
    Process format = LocalProcesses.launch(command, dir, out, false, Map.of());
    try {
      if (!format.waitFor(60, TimeUnit.SECONDS)) {
        format.destroyForcibly();
        throw new IllegalStateException(
            "kafka-storage format timed out" + LocalProcesses.tail(List.of(out)));
      }
    } catch (InterruptedException e) {
      format.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while formatting the broker storage", e);
    }
    if (format.exitValue() != 0) {
      throw new IllegalStateException(
          "kafka-storage format failed with exit code "
              + format.exitValue()
              + LocalProcesses.tail(List.of(out)));
    }
  }

  private static List<String> javaCommand(Path lib, Path log4j, String heap) {
    List<String> command = new ArrayList<>();
    command.add(LocalProcesses.javaBinary());
    command.add(heap);
    command.add("-XX:+UseG1GC");
    command.add("-Djava.awt.headless=true");
    command.add("-Dlog4j2.configurationFile=" + log4j.toUri());
    command.add("-cp");
    // The JVM expands the wildcard itself; no shell involved.
    command.add(lib.toAbsolutePath() + "/*");
    return command;
  }

  /** A Kafka-style cluster id: 16 random bytes, base64url without padding, never starting '-'. */
  private static String clusterId() {
    while (true) {
      UUID uuid = UUID.randomUUID();
      ByteBuffer bytes = ByteBuffer.allocate(16);
      bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
      String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
      if (!id.startsWith("-")) {
        return id;
      }
    }
  }

  private static String serverProperties(Path dir, int brokerPort, int controllerPort) {
    return String.join(
            "\n",
            "# Written by dev.streamy.runners.LocalKafka: one KRaft node, broker and controller.",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:"
                + brokerPort
                + ",CONTROLLER://127.0.0.1:"
                + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPort,
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "log.dirs=" + dir.resolve("data"),
            "num.partitions=1",
            "default.replication.factor=1",
            "min.insync.replicas=1",
            "offsets.topic.replication.factor=1",
            // Fewer internal partitions: the first consumer group starts in well under a second.
            "offsets.topic.num.partitions=10",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=5",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=true",
            "")
        + "\n";
  }

  private static String log4jProperties(Path logFile) {
    return String.join(
            "\n",
            "status = warn",
            "appender.file.type = File",
            "appender.file.name = FILE",
            "appender.file.fileName = " + logFile.toString().replace('\\', '/'),
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = [%d] %p %m (%c)%n",
            "appender.console.type = Console",
            "appender.console.name = CONSOLE",
            "appender.console.layout.type = PatternLayout",
            "appender.console.layout.pattern = [%d] %p %m (%c)%n",
            "appender.console.filter.threshold.type = ThresholdFilter",
            "appender.console.filter.threshold.level = error",
            "rootLogger.level = info",
            "rootLogger.appenderRef.file.ref = FILE",
            "rootLogger.appenderRef.console.ref = CONSOLE",
            "logger.kafka.name = kafka",
            "logger.kafka.level = info",
            "logger.apache.name = org.apache.kafka",
            "logger.apache.level = info",
            "logger.request.name = kafka.request.logger",
            "logger.request.level = warn",
            "")
        + "\n";
  }

  private static Properties adminConfig(String bootstrap) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "streamy-local-kafka");
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    props.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
    return props;
  }

  /**
   * Waits until the leader of every partition serves it: metadata can name a leader before the
   * broker has taken the partition up, and an idempotent producer that sends in that gap can spin
   * on OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout (KAFKA-15591). A ListOffsets answer
   * comes from the leader itself.
   */
  private void awaitLeaders(String name, int partitions) {
    checkOpen();
    LocalProcesses.await(
        "for topic " + name + " to be ready",
        TOPIC_TIMEOUT,
        List.of(
            LocalProcesses.Watched.of(
                "the Kafka broker", process.get().toHandle(), logs(directory))),
        () -> {
          try {
            TopicDescription description =
                admin
                    .describeTopics(Set.of(name))
                    .allTopicNames()
                    .get(5, TimeUnit.SECONDS)
                    .get(name);
            List<TopicPartitionInfo> infos = description.partitions();
            if (infos.size() != partitions) {
              throw new IllegalStateException(
                  "topic "
                      + name
                      + " exists with "
                      + infos.size()
                      + " partitions, not "
                      + partitions);
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            infos.forEach(
                p -> latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest()));
            admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
            return true;
          } catch (ExecutionException e) {
            if (e.getCause() instanceof RetriableException) {
              return false; // metadata not propagated yet
            }
            throw new IllegalStateException("cannot describe topic " + name, e.getCause());
          }
        });
  }

  /** Stops the broker (TERM, then KILL after 20 s) and deletes its folder. */
  private static void stop(Process process, Path dir) {
    LocalProcesses.stop(List.of(process.toHandle()), STOP_TIMEOUT);
    LocalProcesses.deleteRecursively(dir);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("LocalKafka is closed");
    }
  }

  private String tail() {
    return LocalProcesses.tail(logs(directory));
  }

  /** The broker lost a race for one of its probed ports. */
  private static final class PortTakenException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    PortTakenException(String message) {
      super(message);
    }
  }
}
