package dev.streamy.runners.flink;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.google.auto.value.AutoValue;
import dev.streamy.generator.GeneratorOptions;
import dev.streamy.options.KafkaConfig;
import dev.streamy.pipelines.IngestOptions;
import dev.streamy.pipelines.Settings;
import java.beans.Introspector;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.Validation;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;
import org.w3c.dom.Document;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Static checks of the repository's {@code docker-compose.yml} against the build. No Docker engine
 * runs where the tests run, so this is what keeps the compose stack in step with the code: option
 * names, image versions, ports, mounts, topics and endpoints. Every failure names the service and
 * what disagrees with what.
 */
public class ComposeFileTest {

  private static final Path REPO =
      Path.of(System.getProperty("basedir", ".")).resolve("../..").toAbsolutePath().normalize();

  private static final String KAFKA = "kafka";
  private static final String KAFKA_INIT = "kafka-init";
  private static final String MINIO = "minio";
  private static final String MINIO_INIT = "minio-init";
  private static final String ICEBERG_REST = "iceberg-rest";
  private static final String JOBMANAGER = "jobmanager";
  private static final String TASKMANAGER = "taskmanager";
  private static final String GENERATOR = "generator";
  private static final String SUBMITTER = "job-submitter";
  private static final List<String> FLINK_SERVICES = List.of(JOBMANAGER, TASKMANAGER, SUBMITTER);

  /** Flink's REST port (web UI), rest.port's default. */
  private static final int FLINK_REST_PORT = 8081;

  private static Compose compose;
  private static Document rootPom;
  private static Document modulePom;

  @BeforeClass
  public static void load() throws Exception {
    compose = Compose.load(REPO.resolve("docker-compose.yml"));
    rootPom = xml(REPO.resolve("pom.xml"));
    modulePom = xml(REPO.resolve("runners/flink/pom.xml"));
  }

  // ---------------------------------------------------------------- options of the commands

  @Test
  public void jobArgumentsAreOptionsOfTheFlinkJob() {
    assertOnlyKnownOptions(SUBMITTER, jobArgs(), optionNames(StreamyFlinkOptions.class));
  }

  @Test
  public void generatorArgumentsAreOptionsOfTheGenerator() {
    assertOnlyKnownOptions(GENERATOR, generatorArgs(), optionNames(GeneratorOptions.class));
  }

  @Test
  public void requiredOptionsAreGiven() {
    assertRequiredGiven(SUBMITTER, IngestOptions.class, options(jobArgs()).keySet());
    assertRequiredGiven(GENERATOR, GeneratorOptions.class, options(generatorArgs()).keySet());
  }

  @Test
  public void flinkIngestAndThePipelineAcceptTheJobArguments() {
    jobSettings(); // fails naming what FlinkIngest or the pipeline refuses
  }

  @Test
  public void theGeneratorAcceptsItsArguments() {
    String[] args = generatorArgs().toArray(new String[0]);
    try {
      PipelineOptionsFactory.fromArgs(args).withValidation().as(GeneratorOptions.class);
    } catch (IllegalArgumentException e) {
      fail(GENERATOR + ": GenerateEvents would refuse its arguments: " + e.getMessage());
    }
  }

  @Test
  public void mainClassesAreTheJarsOwn() throws Exception {
    String jobMain = flinkRunOption("-c", "--class");
    assertEquals(
        SUBMITTER + " runs -c " + jobMain + ", but the jar's manifest names another main class",
        text(modulePom, "mainClass"),
        jobMain);
    assertHasMain(SUBMITTER, jobMain);
    assertHasMain(GENERATOR, generatorMainClass());
  }

  @Test
  public void aStreamingJobIsSubmittedDetached() {
    Map<String, String> job = options(jobArgs());
    Assume.assumeFalse("a bounded run may wait for its end", job.containsKey("maxRecords"));
    List<String> flinkOptions = flinkRunOptions();
    assertTrue(
        SUBMITTER + ": `flink run` of a streaming job needs -d, or the container never ends",
        flinkOptions.contains("-d") || flinkOptions.contains("--detached"));
    assertEquals(
        SUBMITTER
            + ": a streaming job needs --attachedMode=false, or FlinkIngest waits for a job that"
            + " never finishes",
        "false",
        job.get("attachedMode"));
  }

  // ---------------------------------------------------------------- images

  @Test
  public void everyImageIsPinned() {
    for (String service : compose.serviceNames()) {
      String image = compose.image(service);
      String tag = tag(image);
      assertFalse(
          service + ": image " + image + " needs an explicit version tag",
          tag.isEmpty() || tag.equals("latest"));
    }
  }

  @Test
  public void kafkaImagesRunTheBuildsBrokerVersion() {
    String version = text(rootPom, "kafka.broker.version");
    for (String service : List.of(KAFKA, KAFKA_INIT)) {
      assertEquals(
          service + ": the Kafka image must be the root pom's kafka.broker.version",
          "apache/kafka:" + version,
          compose.image(service));
    }
  }

  @Test
  public void flinkImagesRunTheBuildsFlinkVersionOnJava17() {
    String version = text(rootPom, "flink.version");
    String majorMinor = version.replaceAll("^(\\d+\\.\\d+).*", "$1");
    for (String service : FLINK_SERVICES) {
      String image = compose.image(service);
      String tag = tag(image);
      assertEquals(service + ": not the official flink image: " + image, "flink", repo(image));
      assertTrue(
          service
              + ": "
              + image
              + " is not Flink "
              + majorMinor
              + " (flink.version "
              + version
              + ")",
          tag.startsWith(majorMinor + ".") || tag.startsWith(majorMinor + "-"));
      assertTrue(service + ": " + image + " does not run on Java 17", tag.endsWith("java17"));
      assertEquals(
          service + ": every Flink container must run the same image",
          compose.image(JOBMANAGER),
          image);
    }
  }

  // ---------------------------------------------------------------- services and ports

  @Test
  public void dependenciesAreServicesAndHealthyMeansAHealthcheck() {
    for (String service : compose.serviceNames()) {
      compose
          .dependsOn(service)
          .forEach(
              (dependency, condition) -> {
                assertTrue(
                    service + " depends on " + dependency + ", which is no service",
                    compose.serviceNames().contains(dependency));
                if (condition.equals("service_healthy")) {
                  assertTrue(
                      service
                          + " waits for "
                          + dependency
                          + " to be healthy: it has no healthcheck",
                      compose.service(dependency).containsKey("healthcheck"));
                }
              });
    }
  }

  @Test
  public void publishedHostPortsAreUnique() {
    Map<Integer, String> owners = new LinkedHashMap<>();
    for (String service : compose.serviceNames()) {
      for (PortMapping port : compose.ports(service)) {
        if (port.host() > 0) {
          String earlier = owners.put(port.host(), service);
          assertTrue(
              "host port " + port.host() + " is published by both " + earlier + " and " + service,
              earlier == null);
        }
      }
    }
  }

  @Test
  public void theReadmeNamesThePublishedPorts() throws Exception {
    String section = readmeSection(Files.readString(REPO.resolve("README.md")));
    Assume.assumeTrue("README.md has no docker compose section yet", section != null);
    Set<Integer> published = publishedHostPorts();
    Matcher mention = Pattern.compile("(?:localhost|127\\.0\\.0\\.1):(\\d+)").matcher(section);
    while (mention.find()) {
      assertTrue(
          "README.md mentions " + mention.group() + " but the stack publishes only " + published,
          published.contains(Integer.parseInt(mention.group(1))));
    }
    int webUi = hostPortOf(JOBMANAGER, FLINK_REST_PORT);
    assertTrue(
        "README.md's compose section does not give the Flink web UI, localhost:" + webUi,
        section.contains("localhost:" + webUi));
  }

  // ---------------------------------------------------------------- mounts

  @Test
  public void bindMountsExistOrAreBuilt() {
    Path jar = builtJar();
    for (String service : compose.serviceNames()) {
      for (Mount mount : compose.mounts(service)) {
        if (!mount.isBind()) {
          assertTrue(
              service + " mounts volume " + mount.source() + ", which volumes: does not declare",
              compose.declaredVolumes().contains(mount.source()));
          continue;
        }
        Path source = REPO.resolve(mount.source()).normalize();
        if (source.toString().endsWith(".jar")) {
          assertEquals(service + " mounts a jar the build does not make", jar, source);
          assertTrue(service + " must mount the job jar read-only", mount.readOnly());
        } else {
          assertTrue(
              service + " mounts " + mount.source() + ", which is not in the repository",
              Files.exists(source));
        }
      }
    }
  }

  @Test
  public void commandsRunTheMountedJar() {
    assertMountsBuiltJarAt(SUBMITTER, jarOfFlinkRun());
    List<String> command = compose.command(GENERATOR);
    assertMountsBuiltJarAt(GENERATOR, command.get(classpathIndex(command) + 1));
  }

  @Test
  public void theOutputIsOneVolumeInJobManagerAndTaskManager() {
    assertSharedByJobManagerAndTaskManager("--output", options(jobArgs()).get("output"));
  }

  @Test
  public void checkpointsAndSavepointsAreOneVolumeInJobManagerAndTaskManager() {
    Map<String, String> properties = flinkProperties(JOBMANAGER);
    assertEquals(
        "jobmanager and taskmanager must have the same FLINK_PROPERTIES",
        properties,
        flinkProperties(TASKMANAGER));
    String checkpoints = properties.get("state.checkpoints.dir");
    assertNotNull("FLINK_PROPERTIES sets no state.checkpoints.dir", checkpoints);
    assertSharedByJobManagerAndTaskManager("state.checkpoints.dir", localPath(checkpoints));
    String savepoints = properties.get("state.savepoints.dir");
    if (savepoints != null) {
      assertSharedByJobManagerAndTaskManager("state.savepoints.dir", localPath(savepoints));
    }
  }

  // ---------------------------------------------------------------- Kafka

  @Test
  public void everyoneReachesKafkaThroughItsInternalListener() {
    Map<String, String> env = compose.environment(KAFKA);
    String internal = advertisedListeners(env).get(env.get("KAFKA_INTER_BROKER_LISTENER_NAME"));
    assertNotNull(
        "kafka advertises no listener named by KAFKA_INTER_BROKER_LISTENER_NAME", internal);
    assertEquals(
        "kafka's internal listener must use the service name",
        KAFKA,
        internal.substring(0, internal.lastIndexOf(':')));
    assertEquals(
        SUBMITTER + ": --bootstrapServers", internal, options(jobArgs()).get("bootstrapServers"));
    assertEquals(
        GENERATOR + ": --bootstrapServers",
        internal,
        options(generatorArgs()).get("bootstrapServers"));
    for (String server : valuesAfter(scriptTokens(KAFKA_INIT), "--bootstrap-server")) {
      assertEquals(KAFKA_INIT + ": --bootstrap-server", internal, server);
    }
  }

  @Test
  public void kafkasHostListenerIsPublishedOnItsPort() {
    Map<String, String> env = compose.environment(KAFKA);
    Map<String, String> bound = listeners(env.get("KAFKA_LISTENERS"));
    advertisedListeners(env)
        .forEach(
            (name, address) -> {
              String host = address.substring(0, address.lastIndexOf(':'));
              if (host.equals("localhost") || host.equals("127.0.0.1")) {
                int advertised = port(address);
                int listening = port(bound.get(name));
                assertEquals(
                    "kafka advertises "
                        + name
                        + "://"
                        + address
                        + " to host clients: it must publish host port "
                        + advertised
                        + " for its listener port "
                        + listening,
                    advertised,
                    hostPortOf(KAFKA, listening));
              }
            });
  }

  @Test
  public void topicsAgreeBetweenKafkaInitTheJobAndTheGenerator() {
    Map<String, Integer> created = createdTopics();
    String input = options(jobArgs()).get("inputTopic");
    assertTrue(
        KAFKA_INIT + " creates " + created.keySet() + " but the job reads " + input,
        created.containsKey(input));
    assertEquals(
        GENERATOR + ": --topic must be the job's --inputTopic",
        input,
        options(generatorArgs()).get("topic"));
    String deadLetters = jobSettings().getDeadLetterTopic();
    assertTrue(
        KAFKA_INIT + " creates " + created.keySet() + " but not the DLQ topic " + deadLetters,
        deadLetters == null || created.containsKey(deadLetters));
    String partitions = options(generatorArgs()).get("partitions");
    if (partitions != null) {
      assertEquals(
          GENERATOR + ": --partitions must match what " + KAFKA_INIT + " creates",
          created.get(input),
          Integer.valueOf(partitions));
    }
  }

  @Test
  public void parallelismFitsTheSlotsAndThePartitions() {
    Map<String, String> properties = flinkProperties(TASKMANAGER);
    String given = options(jobArgs()).get("parallelism");
    int parallelism =
        Integer.parseInt(
            given != null ? given : properties.getOrDefault("parallelism.default", "1"));
    int slots = Integer.parseInt(properties.getOrDefault("taskmanager.numberOfTaskSlots", "1"));
    int slotsInAll = slots * compose.replicas(TASKMANAGER);
    assertTrue(
        "parallelism " + parallelism + " needs more than the " + slotsInAll + " task slots",
        parallelism <= slotsInAll);
    String input = options(jobArgs()).get("inputTopic");
    Integer partitions = createdTopics().get(input);
    assertNotNull(KAFKA_INIT + " does not create the input topic " + input, partitions);
    assertTrue(
        "parallelism "
            + parallelism
            + " is above the input topic's "
            + partitions
            + " partitions: idle readers would hold the watermark",
        parallelism <= partitions);
  }

  // ---------------------------------------------------------------- Iceberg and S3

  @Test
  public void theCatalogUriIsTheIcebergRestService() {
    URI uri = URI.create(options(jobArgs()).get("icebergCatalogUri"));
    assertEquals("--icebergCatalogUri must name the catalog service", ICEBERG_REST, uri.getHost());
    assertTrue(
        "--icebergCatalogUri port " + uri.getPort() + " is not a port of " + ICEBERG_REST,
        containerPorts(ICEBERG_REST).contains(uri.getPort()));
  }

  @Test
  public void s3SettingsPointAtMinioAndItsBucket() {
    Map<String, String> job = KafkaConfig.parse(options(jobArgs()).get("icebergCatalogProperties"));
    Map<String, String> catalog = compose.environment(ICEBERG_REST);
    URI endpoint = URI.create(job.get("s3.endpoint"));
    assertEquals("the job's s3.endpoint must name the MinIO service", MINIO, endpoint.getHost());
    assertTrue(
        "the job's s3.endpoint port is not a port of " + MINIO,
        containerPorts(MINIO).contains(endpoint.getPort()));
    assertEquals(
        "job and catalog must use the same S3 endpoint",
        job.get("s3.endpoint"),
        catalog.get("CATALOG_S3_ENDPOINT"));
    assertEquals("job and catalog FileIO", catalog.get("CATALOG_IO__IMPL"), job.get("io-impl"));
    assertEquals("the job's s3.path-style-access", "true", job.get("s3.path-style-access"));
    assertEquals(
        "the catalog's s3.path-style-access",
        "true",
        catalog.get("CATALOG_S3_PATH__STYLE__ACCESS"));
    String bucket = URI.create(catalog.get("CATALOG_WAREHOUSE")).getHost();
    assertEquals(
        MINIO_INIT + " must create the warehouse bucket of " + ICEBERG_REST,
        bucket,
        createdBucket());
  }

  @Test
  public void theJobsFileIoIsInTheJobJar() throws Exception {
    String fileIo =
        KafkaConfig.parse(options(jobArgs()).get("icebergCatalogProperties")).get("io-impl");
    Class<?> type = Class.forName(fileIo);
    assertTrue(
        fileIo + " is an Iceberg FileIO",
        org.apache.iceberg.io.FileIO.class.isAssignableFrom(type));
    // S3FileIO builds its S3 client from the AWS SDK, which must be in the jar too.
    Class.forName("software.amazon.awssdk.services.s3.S3Client");
  }

  @Test
  public void s3CredentialsAreMinios() {
    Map<String, String> minio = compose.environment(MINIO);
    for (String service : List.of(ICEBERG_REST, JOBMANAGER, TASKMANAGER, SUBMITTER)) {
      Map<String, String> env = compose.environment(service);
      assertEquals(
          service + ": AWS_ACCESS_KEY_ID must be MinIO's user",
          minio.get("MINIO_ROOT_USER"),
          env.get("AWS_ACCESS_KEY_ID"));
      assertEquals(
          service + ": AWS_SECRET_ACCESS_KEY must be MinIO's password",
          minio.get("MINIO_ROOT_PASSWORD"),
          env.get("AWS_SECRET_ACCESS_KEY"));
    }
  }

  @Test
  public void everyVariableHasADefault() {
    assertTrue(
        "docker-compose.yml uses variables without a default (${NAME:-default}): "
            + compose.variablesWithoutDefault(),
        compose.variablesWithoutDefault().isEmpty());
  }

  // ================================================================ helpers: the job and generator

  /** The program arguments of {@code flink run} in the job submitter: what follows the jar. */
  private static List<String> jobArgs() {
    List<String> command = compose.command(SUBMITTER);
    int jar = command.indexOf(jarOfFlinkRun());
    return command.subList(jar + 1, command.size());
  }

  /** The options of {@code flink run} itself: between {@code run} and the jar. */
  private static List<String> flinkRunOptions() {
    List<String> command = compose.command(SUBMITTER);
    int run = command.indexOf("run");
    assertTrue(SUBMITTER + " does not call `flink run`", run > 0);
    return command.subList(run + 1, command.indexOf(jarOfFlinkRun()));
  }

  private static String jarOfFlinkRun() {
    List<String> command = compose.command(SUBMITTER);
    return command.subList(command.indexOf("run") + 1, command.size()).stream()
        .filter(token -> token.endsWith(".jar"))
        .findFirst()
        .orElseThrow(() -> new AssertionError(SUBMITTER + ": `flink run` names no jar"));
  }

  private static String flinkRunOption(String shortName, String longName) {
    List<String> options = flinkRunOptions();
    for (int i = 0; i < options.size() - 1; i++) {
      if (options.get(i).equals(shortName) || options.get(i).equals(longName)) {
        return options.get(i + 1);
      }
    }
    throw new AssertionError(SUBMITTER + ": `flink run` has no " + shortName);
  }

  private static List<String> generatorArgs() {
    List<String> command = compose.command(GENERATOR);
    return command.subList(classpathIndex(command) + 3, command.size());
  }

  private static String generatorMainClass() {
    List<String> command = compose.command(GENERATOR);
    return command.get(classpathIndex(command) + 2);
  }

  private static int classpathIndex(List<String> command) {
    int index = Math.max(command.indexOf("-cp"), command.indexOf("-classpath"));
    assertTrue(GENERATOR + ": expected `java -cp <jar> <main class> ...`", index >= 0);
    return index;
  }

  /** The job's options as FlinkIngest reads them, then as the pipeline reads them. */
  private static Settings jobSettings() {
    StreamyFlinkOptions options;
    try {
      options = FlinkPresets.fromArgs(jobArgs().toArray(new String[0]));
    } catch (IllegalArgumentException e) {
      throw new AssertionError(SUBMITTER + ": FlinkIngest would refuse: " + e.getMessage(), e);
    }
    try {
      return Settings.from(options);
    } catch (IllegalArgumentException e) {
      throw new AssertionError(SUBMITTER + ": the pipeline would refuse: " + e.getMessage(), e);
    }
  }

  /** {@code --name=value} arguments by name; a bare {@code --name} is "true". */
  private static Map<String, String> options(List<String> args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (String arg : args) {
      assertTrue("not a --name=value option: " + arg, arg.startsWith("--"));
      int equals = arg.indexOf('=');
      options.put(
          equals < 0 ? arg.substring(2) : arg.substring(2, equals),
          equals < 0 ? "true" : arg.substring(equals + 1));
    }
    return options;
  }

  /** Every property name of an options interface and the interfaces it extends. */
  private static Set<String> optionNames(Class<?> optionsInterface) {
    Set<String> names = new TreeSet<>();
    for (Method method : optionsInterface.getMethods()) {
      String name = propertyName(method);
      if (name != null) {
        names.add(name);
      }
    }
    return names;
  }

  /** The option a getter reads ({@code getFoo} or boolean {@code isFoo}: foo), else null. */
  private static String propertyName(Method method) {
    String name = method.getName();
    if (method.getParameterCount() != 0 || Modifier.isStatic(method.getModifiers())) {
      return null;
    }
    if (name.startsWith("get") && name.length() > 3) {
      return Introspector.decapitalize(name.substring(3));
    }
    if (name.startsWith("is") && name.length() > 2 && method.getReturnType() == boolean.class) {
      return Introspector.decapitalize(name.substring(2));
    }
    return null;
  }

  private static void assertOnlyKnownOptions(String service, List<String> args, Set<String> known) {
    Set<String> unknown = new TreeSet<>(options(args).keySet());
    unknown.removeAll(known);
    assertTrue(service + " passes options that do not exist: " + unknown, unknown.isEmpty());
  }

  private static void assertRequiredGiven(String service, Class<?> options, Set<String> given) {
    Map<String, Set<String>> groups = new LinkedHashMap<>();
    for (Method method : options.getMethods()) {
      Validation.Required required = method.getAnnotation(Validation.Required.class);
      if (required == null || hasDefault(method)) {
        continue; // e.g. PipelineOptions.stableUniqueNames: required, but with a default
      }
      String name = propertyName(method);
      List<String> keys =
          required.groups().length == 0 ? List.of(name) : List.of(required.groups());
      keys.forEach(key -> groups.computeIfAbsent(key, k -> new TreeSet<>()).add(name));
    }
    groups.forEach(
        (group, names) ->
            assertTrue(
                service
                    + " must give "
                    + String.join(" or ", dashed(names))
                    + ", required in "
                    + options.getSimpleName(),
                names.stream().anyMatch(given::contains)));
  }

  private static List<String> dashed(Collection<String> names) {
    return names.stream().map(name -> "--" + name).collect(Collectors.toList());
  }

  private static boolean hasDefault(Method getter) {
    return Arrays.stream(getter.getAnnotations())
        .anyMatch(a -> a.annotationType().getEnclosingClass() == Default.class);
  }

  private static void assertHasMain(String service, String className) throws Exception {
    Class<?> type;
    try {
      type = Class.forName(className);
    } catch (ClassNotFoundException e) {
      throw new AssertionError(service + " runs " + className + ", which is no class", e);
    }
    Method main = type.getMethod("main", String[].class);
    assertTrue(
        service + ": " + className + ".main is not static", Modifier.isStatic(main.getModifiers()));
  }

  // ================================================================ helpers: mounts and ports

  /** runners/flink/target/{finalName}.jar, the job jar the build makes. */
  private static Path builtJar() {
    return REPO.resolve("runners/flink/target/" + text(modulePom, "finalName") + ".jar");
  }

  private static void assertMountsBuiltJarAt(String service, String containerPath) {
    assertTrue(
        service + " runs " + containerPath + ", which is no mount of " + builtJar(),
        compose.mounts(service).stream()
            .anyMatch(
                m ->
                    m.isBind()
                        && REPO.resolve(m.source()).normalize().equals(builtJar())
                        && m.target().equals(containerPath)));
  }

  /** The path is on a mount that jobmanager and taskmanager share (the same volume). */
  private static void assertSharedByJobManagerAndTaskManager(String what, String path) {
    assertNotNull(what + " is not set", path);
    Mount inJobManager = mountHolding(JOBMANAGER, path);
    Mount inTaskManager = mountHolding(TASKMANAGER, path);
    assertNotNull(JOBMANAGER + " does not mount " + what + " " + path, inJobManager);
    assertNotNull(TASKMANAGER + " does not mount " + what + " " + path, inTaskManager);
    assertEquals(
        what + " " + path + " must be the same volume in jobmanager and taskmanager",
        inJobManager.source(),
        inTaskManager.source());
    assertFalse(what + " " + path + " must be writable", inTaskManager.readOnly());
  }

  private static Mount mountHolding(String service, String path) {
    return compose.mounts(service).stream()
        .filter(m -> Path.of(path).normalize().startsWith(Path.of(m.target())))
        .findFirst()
        .orElse(null);
  }

  private static String localPath(String uri) {
    assertTrue("not a file:// location: " + uri, uri.startsWith("file://"));
    return URI.create(uri).getPath();
  }

  private static Set<Integer> publishedHostPorts() {
    Set<Integer> ports = new TreeSet<>();
    for (String service : compose.serviceNames()) {
      compose.ports(service).stream().filter(p -> p.host() > 0).forEach(p -> ports.add(p.host()));
    }
    return ports;
  }

  private static int hostPortOf(String service, int containerPort) {
    return compose.ports(service).stream()
        .filter(p -> p.container() == containerPort && p.host() > 0)
        .map(PortMapping::host)
        .findFirst()
        .orElseThrow(
            () -> new AssertionError(service + " does not publish its port " + containerPort));
  }

  private static Set<Integer> containerPorts(String service) {
    Set<Integer> ports =
        compose.ports(service).stream().map(PortMapping::container).collect(Collectors.toSet());
    for (Object exposed : compose.list(service, "expose")) {
      ports.add(Integer.parseInt(String.valueOf(exposed).replaceAll("/.*", "")));
    }
    return ports;
  }

  // ================================================================ helpers: Kafka, MinIO, Flink

  /** Listener name to host:port, from KAFKA_ADVERTISED_LISTENERS. */
  private static Map<String, String> advertisedListeners(Map<String, String> kafkaEnv) {
    return listeners(kafkaEnv.get("KAFKA_ADVERTISED_LISTENERS"));
  }

  private static Map<String, String> listeners(String spec) {
    assertNotNull("kafka has no listener settings", spec);
    Map<String, String> listeners = new LinkedHashMap<>();
    for (String listener : spec.split(",")) {
      String[] parts = listener.trim().split("://", 2);
      listeners.put(parts[0], parts[1]);
    }
    return listeners;
  }

  private static int port(String hostPort) {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  /** Topics kafka-init creates, with their partition counts. */
  private static Map<String, Integer> createdTopics() {
    Map<String, Integer> topics = new LinkedHashMap<>();
    for (String line : script(KAFKA_INIT).split("\n")) {
      List<String> tokens = Arrays.asList(line.trim().split("\\s+"));
      if (tokens.contains("--create")) {
        List<String> partitions = valuesAfter(tokens, "--partitions");
        topics.put(
            valuesAfter(tokens, "--topic").get(0),
            partitions.isEmpty() ? 1 : Integer.valueOf(partitions.get(0)));
      }
    }
    return topics;
  }

  /** The bucket of {@code mc mb [--flags] alias/bucket} in minio-init. */
  private static String createdBucket() {
    Matcher mb =
        Pattern.compile("\\bmc\\s+mb\\s+(?:-\\S+\\s+)*\\S+?/(\\S+)").matcher(script(MINIO_INIT));
    assertTrue(MINIO_INIT + " runs no `mc mb alias/bucket`", mb.find());
    return mb.group(1).replaceAll("/$", "");
  }

  private static String script(String service) {
    return String.join("\n", compose.command(service));
  }

  private static List<String> scriptTokens(String service) {
    return Arrays.asList(script(service).trim().split("\\s+"));
  }

  private static List<String> valuesAfter(List<String> tokens, String flag) {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < tokens.size() - 1; i++) {
      if (tokens.get(i).equals(flag)) {
        values.add(tokens.get(i + 1));
      }
    }
    return values;
  }

  /**
   * FLINK_PROPERTIES as the image's docker-entrypoint.sh reads it: one {@code key: value} per line,
   * all whitespace removed, split at the first colon.
   */
  private static Map<String, String> flinkProperties(String service) {
    String text = compose.environment(service).get("FLINK_PROPERTIES");
    assertNotNull(service + " sets no FLINK_PROPERTIES", text);
    Map<String, String> properties = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      String property = line.replaceAll("\\s", "");
      if (!property.isEmpty()) {
        int colon = property.indexOf(':');
        assertTrue(service + ": not a key: value line in FLINK_PROPERTIES: " + line, colon > 0);
        properties.put(property.substring(0, colon), property.substring(colon + 1));
      }
    }
    return properties;
  }

  // ================================================================ helpers: files

  private static String repo(String image) {
    int colon = image.lastIndexOf(':');
    return colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
  }

  private static String tag(String image) {
    int colon = image.lastIndexOf(':');
    return colon > image.lastIndexOf('/') ? image.substring(colon + 1) : "";
  }

  /** The subsection of README.md about docker compose, up to the next heading of its level. */
  static String readmeSection(String readme) {
    Matcher heading = Pattern.compile("(?m)^(#{2,4}) .*[Dd]ocker [Cc]ompose.*$").matcher(readme);
    if (!heading.find()) {
      return null;
    }
    String level = heading.group(1);
    Matcher next = Pattern.compile("(?m)^#{1," + level.length() + "} ").matcher(readme);
    int end = next.find(heading.end()) ? next.start() : readme.length();
    return readme.substring(heading.start(), end);
  }

  private static Document xml(Path file) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
  }

  /** The text of the pom's first element of that name: a property, finalName, mainClass. */
  private static String text(Document pom, String element) {
    var nodes = pom.getElementsByTagName(element);
    assertTrue(element + " is not in the pom", nodes.getLength() > 0);
    return nodes.item(0).getTextContent().trim();
  }

  // ================================================================ the compose file

  /** A bind mount (source is a host path) or a named volume, as in the compose file. */
  @AutoValue
  abstract static class Mount {
    abstract String source();

    abstract String target();

    abstract boolean readOnly();

    static Mount of(String source, String target, boolean readOnly) {
      return new AutoValue_ComposeFileTest_Mount(source, target, readOnly);
    }

    boolean isBind() {
      return source().startsWith(".") || source().startsWith("/") || source().startsWith("~");
    }
  }

  /** A port: host is 0 when it is not published. */
  @AutoValue
  abstract static class PortMapping {
    abstract int host();

    abstract int container();

    static PortMapping of(int host, int container) {
      return new AutoValue_ComposeFileTest_PortMapping(host, container);
    }
  }

  /** docker-compose.yml parsed after variable substitution with the defaults it gives. */
  static final class Compose {
    private static final Pattern VARIABLE =
        Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:?-([^}]*))?}");

    private final Map<String, Object> root;
    private final Set<String> variablesWithoutDefault;

    private Compose(Map<String, Object> root, Set<String> variablesWithoutDefault) {
      this.root = root;
      this.variablesWithoutDefault = variablesWithoutDefault;
    }

    @SuppressWarnings("unchecked")
    static Compose load(Path file) throws Exception {
      String raw = Files.readString(file, StandardCharsets.UTF_8);
      Set<String> withoutDefault = new TreeSet<>();
      Matcher variable = VARIABLE.matcher(raw);
      StringBuilder text = new StringBuilder();
      while (variable.find()) {
        String replacement;
        if (variable.group().equals("$$")) {
          replacement = "$";
        } else if (variable.group(3) != null) {
          replacement = variable.group(3);
        } else {
          withoutDefault.add(variable.group(1));
          replacement = "";
        }
        variable.appendReplacement(text, Matcher.quoteReplacement(replacement));
      }
      variable.appendTail(text);
      Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(text.toString());
      return new Compose((Map<String, Object>) root, withoutDefault);
    }

    Set<String> variablesWithoutDefault() {
      return variablesWithoutDefault;
    }

    @SuppressWarnings("unchecked")
    Set<String> serviceNames() {
      return ((Map<String, Object>) root.get("services")).keySet();
    }

    @SuppressWarnings("unchecked")
    Set<String> declaredVolumes() {
      Object volumes = root.get("volumes");
      return volumes == null ? Set.of() : ((Map<String, Object>) volumes).keySet();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> service(String name) {
      Object service = ((Map<String, Object>) root.get("services")).get(name);
      assertNotNull("docker-compose.yml has no service " + name, service);
      return (Map<String, Object>) service;
    }

    String image(String service) {
      Object image = service(service).get("image");
      assertNotNull(service + " has no image", image);
      return image.toString();
    }

    /** The command as a list; a string command is split at whitespace. */
    List<String> command(String service) {
      Object command = service(service).get("command");
      assertNotNull(service + " has no command", command);
      if (command instanceof Collection<?> parts) {
        return parts.stream().map(String::valueOf).collect(Collectors.toList());
      }
      return Arrays.asList(command.toString().trim().split("\\s+"));
    }

    List<?> list(String service, String key) {
      Object value = service(service).get(key);
      return value == null ? List.of() : (List<?>) value;
    }

    /** Environment in map or {@code KEY=value} list form. */
    Map<String, String> environment(String service) {
      Object env = service(service).get("environment");
      Map<String, String> out = new LinkedHashMap<>();
      if (env instanceof Map<?, ?> map) {
        map.forEach((k, v) -> out.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
      } else if (env instanceof Collection<?> entries) {
        for (Object entry : entries) {
          String[] kv = String.valueOf(entry).split("=", 2);
          out.put(kv[0], kv.length > 1 ? kv[1] : null);
        }
      }
      return out;
    }

    /** depends_on as service name to condition (list form: service_started). */
    Map<String, String> dependsOn(String service) {
      Object dependsOn = service(service).get("depends_on");
      Map<String, String> out = new LinkedHashMap<>();
      if (dependsOn instanceof Map<?, ?> map) {
        map.forEach(
            (name, spec) -> {
              Object condition = spec instanceof Map<?, ?> s ? s.get("condition") : null;
              out.put(
                  String.valueOf(name),
                  condition == null ? "service_started" : condition.toString());
            });
      } else if (dependsOn instanceof Collection<?> names) {
        names.forEach(name -> out.put(String.valueOf(name), "service_started"));
      }
      return out;
    }

    int replicas(String service) {
      Object deploy = service(service).get("deploy");
      Object replicas = deploy instanceof Map<?, ?> d ? d.get("replicas") : null;
      return replicas == null ? 1 : Integer.parseInt(replicas.toString());
    }

    /** Volumes in short ({@code source:target[:mode]}) or long syntax. */
    List<Mount> mounts(String service) {
      List<Mount> mounts = new ArrayList<>();
      for (Object volume : list(service, "volumes")) {
        if (volume instanceof Map<?, ?> spec) {
          mounts.add(
              Mount.of(
                  String.valueOf(spec.get("source")),
                  String.valueOf(spec.get("target")),
                  Boolean.TRUE.equals(spec.get("read_only"))));
        } else {
          String[] parts = String.valueOf(volume).split(":");
          assertTrue(service + ": anonymous volume " + volume + " is not shared", parts.length > 1);
          mounts.add(
              Mount.of(
                  parts[0],
                  parts[1],
                  parts.length > 2 && Arrays.asList(parts[2].split(",")).contains("ro")));
        }
      }
      return mounts;
    }

    /** Ports in short ({@code [ip:]host:container[/proto]}) or long syntax. */
    List<PortMapping> ports(String service) {
      List<PortMapping> ports = new ArrayList<>();
      for (Object port : list(service, "ports")) {
        if (port instanceof Map<?, ?> spec) {
          Object published = spec.get("published");
          ports.add(
              PortMapping.of(
                  published == null ? 0 : Integer.parseInt(published.toString()),
                  Integer.parseInt(spec.get("target").toString())));
        } else {
          assertFalse(
              service + ": port ranges are not supported here: " + port,
              port.toString().contains("-"));
          String[] parts = String.valueOf(port).replaceAll("/.*", "").split(":");
          int container = Integer.parseInt(parts[parts.length - 1]);
          int host = parts.length > 1 ? Integer.parseInt(parts[parts.length - 2]) : 0;
          ports.add(PortMapping.of(host, container));
        }
      }
      return ports;
    }
  }
}
