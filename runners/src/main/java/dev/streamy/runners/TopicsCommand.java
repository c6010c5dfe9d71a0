package dev.streamy.runners;

import dev.streamy.options.KafkaConfig;
import dev.streamy.pipelines.Preflight;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.annotation.Nullable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamy topics}: a Kafka cluster's topics and a consumer group's lag, through Kafka's
 * admin client. Without {@code --topic}, one line per topic; with it, one line per partition:
 * leader, replicas, in-sync replicas, the earliest and latest offset, the group's committed offset
 * and its lag (latest less committed; every retained record when the group has committed none).
 */
@Command(
    name = "topics",
    description = {
      "List a Kafka cluster's topics, or describe some partition by partition, with a consumer"
          + " group's committed offsets and lag.",
      "e.g. streamy topics --bootstrapServers=host:9092 --topic=recentchange"
          + " --consumerGroup=streamy-ingest"
    })
final class TopicsCommand implements Callable<Integer> {

  private static final long TIMEOUT_SECONDS = 30;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help.")
  boolean help;

  @Option(
      names = "--bootstrapServers",
      required = true,
      paramLabel = "HOST:PORT[,...]",
      description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(
      names = "--kafkaConfigFile",
      paramLabel = "FILE",
      description =
          "A Java properties file of Kafka client settings (security.protocol, sasl.*, ssl.*), as"
              + " the ingest takes it.")
  @Nullable
  String kafkaConfigFile;

  @Option(
      names = "--kafkaConsumerConfig",
      paramLabel = "K=V[,K=V...]",
      description = "Kafka client settings inline, laid over --kafkaConfigFile.")
  @Nullable
  String kafkaConsumerConfig;

  @Option(
      names = "--topic",
      paramLabel = "TOPIC",
      description = "Describe this topic partition by partition (repeatable).")
  List<String> topics = new ArrayList<>();

  @Option(
      names = "--consumerGroup",
      paramLabel = "GROUP",
      defaultValue = "streamy-ingest",
      description = "Whose committed offsets and lag to show. Default: ${DEFAULT-VALUE}.")
  String consumerGroup;

  @Spec CommandLine.Model.CommandSpec spec;

  /** One partition as the cluster and the group see it. */
  record PartitionState(
      String topic,
      int partition,
      int leader,
      List<Integer> replicas,
      List<Integer> inSync,
      long earliest,
      long latest,
      @Nullable Long committed) {

    /** Records the group has still to read: from its committed offset, else every retained one. */
    long lag() {
      return committed == null ? latest - earliest : Math.max(0, latest - committed);
    }
  }

  @Override
  public Integer call() throws Exception {
    Map<String, String> clientConfig =
        KafkaConfig.fromFileAndText(kafkaConfigFile, kafkaConsumerConfig);
    Preflight.checkBroker(bootstrapServers, clientConfig);
    PrintWriter out = spec.commandLine().getOut();
    try (Admin admin = Admin.create(Preflight.adminConfig(bootstrapServers, clientConfig))) {
      if (topics.isEmpty()) {
        Set<String> names =
            admin
                .listTopics(new ListTopicsOptions().listInternal(false))
                .names()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        printTopics(out, partitions(admin, new TreeSet<>(names), consumerGroup));
      } else {
        printPartitions(out, partitions(admin, topics, consumerGroup));
      }
    }
    out.flush();
    return Streamy.OK;
  }

  /** Every partition of {@code topicNames}, in order, with {@code group}'s committed offsets. */
  static List<PartitionState> partitions(Admin admin, Iterable<String> topicNames, String group)
      throws Exception {
    List<String> names = new ArrayList<>();
    topicNames.forEach(names::add);
    if (names.isEmpty()) {
      return List.of();
    }
    Map<String, TopicDescription> descriptions;
    try {
      descriptions =
          admin.describeTopics(names).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        throw new IllegalArgumentException(
            "--topic: no such topic among "
                + names
                + "; topics there: "
                + admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
      }
      throw e;
    }
    Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (TopicDescription description : descriptions.values()) {
      for (TopicPartitionInfo info : description.partitions()) {
        TopicPartition partition = new TopicPartition(description.name(), info.partition());
        earliest.put(partition, OffsetSpec.earliest());
        latest.put(partition, OffsetSpec.latest());
      }
    }
    var first = admin.listOffsets(earliest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    var last = admin.listOffsets(latest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, group);
    List<PartitionState> states = new ArrayList<>();
    for (String name : names) {
      for (TopicPartitionInfo info : descriptions.get(name).partitions()) {
        TopicPartition partition = new TopicPartition(name, info.partition());
        OffsetAndMetadata offset = committed.get(partition);
        states.add(
            new PartitionState(
                name,
                info.partition(),
                info.leader() == null ? -1 : info.leader().id(),
                info.replicas().stream().map(Node::id).toList(),
                info.isr().stream().map(Node::id).toList(),
                first.get(partition).offset(),
                last.get(partition).offset(),
                offset == null ? null : offset.offset()));
      }
    }
    return states;
  }

  /** The group's committed offsets; none for a group that has never committed. */
  private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group)
      throws InterruptedException, ExecutionException, TimeoutException {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    admin
        .listConsumerGroupOffsets(group)
        .partitionsToOffsetAndMetadata()
        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .forEach(
            (partition, offset) -> {
              if (offset != null) {
                offsets.put(partition, offset);
              }
            });
    return offsets;
  }

  /** One line per topic: partitions, replication, retained records and the group's lag. */
  private void printTopics(PrintWriter out, List<PartitionState> states) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("topic", "partitions", "replication", "records", "lag of " + consumerGroup));
    Map<String, List<PartitionState>> byTopic = new java.util.LinkedHashMap<>();
    states.forEach(s -> byTopic.computeIfAbsent(s.topic(), t -> new ArrayList<>()).add(s));
    byTopic.forEach(
        (topic, partitions) -> {
          long records = 0;
          long lag = 0;
          boolean anyCommitted = false;
          for (PartitionState state : partitions) {
            records += state.latest() - state.earliest();
            lag += state.lag();
            anyCommitted |= state.committed() != null;
          }
          rows.add(
              List.of(
                  topic,
                  Integer.toString(partitions.size()),
                  Integer.toString(partitions.get(0).replicas().size()),
                  Long.toString(records),
                  anyCommitted ? Long.toString(lag) : "-"));
        });
    printTable(out, rows);
    if (byTopic.isEmpty()) {
      out.println("(no topics)");
    }
  }

  /** One line per partition, then the group's total lag per topic. */
  private void printPartitions(PrintWriter out, List<PartitionState> states) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(
        List.of(
            "topic",
            "partition",
            "leader",
            "replicas",
            "in-sync",
            "earliest",
            "latest",
            "committed",
            "lag"));
    Map<String, Long> lagByTopic = new java.util.LinkedHashMap<>();
    for (PartitionState state : states) {
      rows.add(
          List.of(
              state.topic(),
              Integer.toString(state.partition()),
              Integer.toString(state.leader()),
              join(state.replicas()),
              join(state.inSync()),
              Long.toString(state.earliest()),
              Long.toString(state.latest()),
              state.committed() == null ? "-" : Long.toString(state.committed()),
              Long.toString(state.lag())));
      lagByTopic.merge(state.topic(), state.lag(), Long::sum);
    }
    printTable(out, rows);
    lagByTopic.forEach(
        (topic, lag) ->
            out.println(
                "group " + consumerGroup + " on " + topic + ": " + lag + " records behind"));
  }

  private static String join(List<Integer> ids) {
    return String.join(",", ids.stream().map(String::valueOf).toList());
  }

  /** Columns padded to their widest cell, two spaces apart. */
  private static void printTable(PrintWriter out, List<List<String>> rows) {
    int[] widths = new int[rows.get(0).size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(i == 0 ? "" : "  ").append(String.format("%-" + widths[i] + "s", row.get(i)));
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
