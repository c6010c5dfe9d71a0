package dev.streamy.pipelines;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.annotation.Nullable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * What a run needs from the world, checked in a few seconds before anything starts: the Kafka
 * broker answers, the input topic exists, the output folder can be created and written. Each
 * failure is an {@link IllegalArgumentException} with one line that names the option and what to
 * change, never a value of the client settings (they may hold secrets).
 */
public final class Preflight {

  /**
   * How long a check waits for the broker, in all: a broker answers in well under a second, but a
   * busy machine (or a client logging at DEBUG) can take a few.
   */
  static final Duration TIMEOUT = Duration.ofSeconds(8);

  private static final int CONNECT_TIMEOUT_MS = 3_000;
  private static final Pattern URI_SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
  private static final List<String> VIRTUAL_FILE_SYSTEMS = List.of("/proc", "/sys", "/dev");

  private Preflight() {}

  /**
   * The ingest pipeline's checks, for the broker, topics, client settings and output it is set to:
   * a missing DLQ topic is created ({@code --deadLetterTopicPartitions}, {@code
   * --topicReplication}), and a missing input topic too when {@code --inputTopicPartitions} asks.
   */
  public static void checkIngest(Settings settings) {
    localFolder(settings.getOutput());
    checkKafka(
        settings.getBootstrapServers(),
        settings.getKafkaConfig(),
        new Topics(
            settings.getInputTopic(),
            settings.getInputTopicPartitions(),
            settings.getDeadLetterTopic(),
            settings.getDeadLetterTopicPartitions(),
            settings.getTopicReplication()));
    checkOutput(settings.getOutput());
  }

  /** The ingest pipeline's checks: the broker, the input topic and the output folder. */
  public static void checkIngest(
      String bootstrapServers, Map<String, String> clientConfig, String inputTopic, String output) {
    localFolder(output); // a path that can never be a folder fails before the network is asked
    checkKafka(bootstrapServers, clientConfig, new Topics(inputTopic, 0, null, 1, 0));
    checkOutput(output);
  }

  /** The topics an ingest reads and writes, and how to create the missing ones. */
  private record Topics(
      String input,
      int inputPartitions,
      @Nullable String deadLetter,
      int deadLetterPartitions,
      int replication) {}

  /** The broker answers a describe-cluster request within {@link #TIMEOUT}. */
  public static void checkBroker(String bootstrapServers, Map<String, String> clientConfig) {
    checkKafka(bootstrapServers, clientConfig, null);
  }

  /** The broker answers and, when {@code topics} is not null, has them (or has created them). */
  private static void checkKafka(
      String bootstrapServers, Map<String, String> clientConfig, @Nullable Topics topics) {
    String option = "--bootstrapServers=" + bootstrapServers;
    List<InetSocketAddress> servers = servers(bootstrapServers);
    List<String> refused = new ArrayList<>();
    for (InetSocketAddress unresolved : servers) {
      InetSocketAddress server =
          new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
      if (server.isUnresolved()) {
        refused.add(server.getHostString() + ":" + server.getPort() + " (unknown host)");
        continue;
      }
      try (Socket socket = new Socket()) {
        socket.connect(server, CONNECT_TIMEOUT_MS);
        refused.clear();
        break;
      } catch (IOException e) {
        refused.add(server.getHostString() + ":" + server.getPort() + " (" + reason(e) + ")");
      }
    }
    if (!refused.isEmpty()) {
      throw new IllegalArgumentException(
          option
              + ": no Kafka broker answers at "
              + String.join(", ", refused)
              + "; is it running, and reachable from this machine?");
    }
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    Admin admin = Admin.create(adminConfig(bootstrapServers, clientConfig));
    try {
      try {
        admin.describeCluster().nodes().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new IllegalArgumentException(
            option
                + ": something listens there, but no Kafka broker replied within "
                + TIMEOUT.toSeconds()
                + " s (a wrong port, or security settings missing: security.protocol, sasl.*,"
                + " ssl.* in --kafkaConfigFile)");
      } catch (ExecutionException e) {
        throw new IllegalArgumentException(
            option + ": Kafka refused the connection (" + reason(e.getCause()) + ")");
      }
      if (topics != null) {
        if (topics.inputPartitions() > 0) {
          createIfMissing(
              admin,
              topics.input(),
              topics.inputPartitions(),
              topics.replication(),
              "--inputTopic=" + topics.input(),
              deadline);
        }
        checkTopic(admin, bootstrapServers, topics.input(), deadline);
        if (topics.deadLetter() != null) {
          String dlqOption = "--deadLetterTopic=" + topics.deadLetter();
          createIfMissing(
              admin,
              topics.deadLetter(),
              topics.deadLetterPartitions(),
              topics.replication(),
              dlqOption,
              deadline);
          checkWritable(admin, topics.deadLetter(), dlqOption, deadline);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking Kafka at " + bootstrapServers);
    } finally {
      admin.close(Duration.ZERO); // a request that timed out must not hold the answer back
    }
  }

  private static void checkTopic(Admin admin, String bootstrapServers, String topic, long deadline)
      throws InterruptedException {
    String option = "--inputTopic=" + topic;
    try {
      admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        throw new IllegalArgumentException(
            option
                + ": no such topic at "
                + bootstrapServers
                + topicsThere(admin, deadline)
                + "; create it, or name an existing one");
      }
      throw new IllegalArgumentException(
          option + ": cannot read the topic (" + reason(e.getCause()) + ")");
    } catch (TimeoutException e) {
      throw new IllegalArgumentException(
          option + ": the broker did not describe the topic within " + TIMEOUT.toSeconds() + " s");
    }
  }

  /**
   * Creates {@code topic} when the broker does not have it; a topic that exists is left as it is. A
   * refusal (no permission, a replication factor over the brokers there, a policy) names {@code
   * option}.
   */
  private static void createIfMissing(
      Admin admin, String topic, int partitions, int replication, String option, long deadline)
      throws InterruptedException {
    try {
      try {
        admin
            .describeTopics(List.of(topic))
            .allTopicNames()
            .get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw new IllegalArgumentException(
              option + ": cannot describe the topic (" + reason(e.getCause()) + ")");
        }
      }
      NewTopic created =
          new NewTopic(
              topic,
              Optional.of(partitions),
              replication == 0 ? Optional.empty() : Optional.of((short) replication));
      admin
          .createTopics(List.of(created))
          .all()
          .get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return; // created meanwhile, by another run
      }
      throw new IllegalArgumentException(
          option
              + ": the topic is missing and cannot be created with "
              + partitions
              + " partitions, replication "
              + (replication == 0 ? "the broker's default" : Integer.toString(replication))
              + " ("
              + reason(e.getCause())
              + "); create it, or change --topicReplication");
    } catch (TimeoutException e) {
      throw new IllegalArgumentException(
          option + ": the broker did not create the topic within " + TIMEOUT.toSeconds() + " s");
    }
  }

  /**
   * Refuses a DLQ topic this client may not write, when the broker tells ({@code
   * includeAuthorizedOperations}; a broker without an authorizer allows everything).
   */
  private static void checkWritable(Admin admin, String topic, String option, long deadline)
      throws InterruptedException {
    Set<AclOperation> allowed;
    try {
      allowed =
          admin
              .describeTopics(
                  List.of(topic), new DescribeTopicsOptions().includeAuthorizedOperations(true))
              .allTopicNames()
              .get(remainingMillis(deadline), TimeUnit.MILLISECONDS)
              .get(topic)
              .authorizedOperations();
    } catch (ExecutionException | TimeoutException e) {
      return; // described a moment ago: the send itself will tell
    }
    if (allowed != null
        && !allowed.isEmpty()
        && !allowed.contains(AclOperation.WRITE)
        && !allowed.contains(AclOperation.ALL)) {
      throw new IllegalArgumentException(
          option
              + ": this client may not write to the topic (allowed: "
              + new TreeSet<>(allowed.stream().map(AclOperation::name).toList())
              + "); grant WRITE, or set --deadLetterTopic=none");
    }
  }

  /** {@code " (topics there: a, b)"}, or nothing when they cannot be listed in time. */
  private static String topicsThere(Admin admin, long deadline) throws InterruptedException {
    try {
      Set<String> names =
          new TreeSet<>(
              admin
                  .listTopics()
                  .names()
                  .get(Math.max(500, remainingMillis(deadline)), TimeUnit.MILLISECONDS));
      if (names.isEmpty()) {
        return " (it has no topics)";
      }
      List<String> shown = new ArrayList<>(names).subList(0, Math.min(10, names.size()));
      return " (topics there: "
          + String.join(", ", shown)
          + (names.size() > shown.size() ? ", ..." : "")
          + ")";
    } catch (ExecutionException | TimeoutException e) {
      return "";
    }
  }

  /**
   * The output folder ({@code --output}) can be created and written: a probe file is created and
   * deleted in it. A path that names a file, or lies under {@code /proc}, {@code /sys} or {@code
   * /dev}, fails at once. URIs of other file systems ({@code s3://}, {@code gs://}) are left to
   * Beam.
   */
  public static void checkOutput(String output) {
    Path folder = localFolder(output);
    if (folder == null) {
      return;
    }
    String option = "--output=" + output;
    for (Path existing = folder; existing != null; existing = existing.getParent()) {
      if (Files.exists(existing)) {
        if (!Files.isDirectory(existing)) {
          throw new IllegalArgumentException(
              option
                  + ": "
                  + (existing.equals(folder) ? "that is a file" : existing + " is a file")
                  + "; give a folder (events/, aggregates/ and dead-letters/ are written below"
                  + " it)");
        }
        break;
      }
    }
    try {
      Files.createDirectories(folder);
      Path probe = Files.createTempFile(folder, ".streamy-write-probe-", "");
      Files.delete(probe);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          option + ": cannot create or write the folder (" + reason(e) + ")");
    }
  }

  /** The local folder {@code output} names; null for another file system's URI. */
  private static Path localFolder(String output) {
    String option = "--output=" + output;
    if (output == null || output.isBlank()) {
      throw new IllegalArgumentException("--output is empty: give a folder");
    }
    String path = output;
    if (URI_SCHEME.matcher(output).matches()) {
      if (!output.startsWith("file://")) {
        return null;
      }
      path = output.substring("file://".length());
    }
    Path folder;
    try {
      folder = Path.of(path).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(option + ": not a valid path (" + e.getReason() + ")");
    }
    for (String virtual : VIRTUAL_FILE_SYSTEMS) {
      if (folder.startsWith(virtual)) {
        throw new IllegalArgumentException(
            option
                + ": "
                + virtual
                + " is a virtual file system of the kernel; choose a real folder");
      }
    }
    return folder;
  }

  private static List<InetSocketAddress> servers(String bootstrapServers) {
    List<InetSocketAddress> servers = new ArrayList<>();
    String option = "--bootstrapServers=" + bootstrapServers;
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("--bootstrapServers is empty: give host:port[,host:port]");
    }
    for (String server : bootstrapServers.split(",")) {
      String trimmed = server.trim();
      int colon = trimmed.lastIndexOf(':');
      int port;
      try {
        port = colon > 0 ? Integer.parseInt(trimmed.substring(colon + 1)) : -1;
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException(
            option + ": '" + trimmed + "' is not host:port (e.g. localhost:9092)");
      }
      String host = trimmed.substring(0, colon).replaceAll("^\\[|\\]$", "");
      servers.add(InetSocketAddress.createUnresolved(host, port));
    }
    return servers;
  }

  /**
   * Admin client settings for {@code bootstrapServers}: the admin keys of the user's {@code
   * clientConfig} (security settings), and timeouts of {@link #TIMEOUT}.
   */
  public static Properties adminConfig(String bootstrapServers, Map<String, String> clientConfig) {
    Properties props = new Properties();
    // Security settings apply to the admin client too; consumer-only keys would only log warnings.
    clientConfig.forEach(
        (key, value) -> {
          if (AdminClientConfig.configNames().contains(key)) {
            props.put(key, value);
          }
        });
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "streamy-preflight");
    int timeout = (int) TIMEOUT.toMillis();
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
    props.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, 3_000L);
    props.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, 3_000L);
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000L);
    return props;
  }

  private static long remainingMillis(long deadline) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }

  /** The exception's class and message, without a stack: {@code ConnectException: refused}. */
  private static String reason(Throwable e) {
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return e.getClass().getSimpleName() + ": " + fs.getReason();
    }
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message.split("\n")[0]);
  }
}
