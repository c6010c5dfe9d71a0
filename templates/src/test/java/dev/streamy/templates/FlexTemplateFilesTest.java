package dev.streamy.templates;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.pipelines.IngestOptions;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Static checks of the Flex-template files of {@code kafka-to-lakehouse}: the Dockerfile, the
 * template spec file, the metadata and the Maven project that builds the jar must agree with each
 * other and with the pipeline's code. Nothing here needs Docker or Google Cloud; the files have
 * never been run on Dataflow.
 *
 * <p>Paths are relative to the module folder ({@code templates/}), where Surefire runs.
 */
public class FlexTemplateFilesTest {

  private static final String TEMPLATE = "kafka-to-lakehouse";
  private static final Path DOCKERFILE = Paths.get(TEMPLATE, "Dockerfile");
  private static final Path SPEC = Paths.get(TEMPLATE, "spec.json");
  private static final Path METADATA = Paths.get(TEMPLATE, "metadata.json");
  private static final Path DATAFLOW_POM = Paths.get("dataflow", "pom.xml");

  /** Where the Dockerfile (build context: the repository root) expects the shaded jar. */
  private static final String JAR_FOLDER = "templates/dataflow/target/";

  /** The options interface the template's main class reads. */
  private static final Class<?> OPTIONS = IngestOptions.class;

  /**
   * Google's Java 17 Flex-template launcher base image (plain or Distroless), with a dated release
   * tag such as {@code 20260122_RC00} or a digest: never {@code latest} or no tag, which move.
   */
  private static final Pattern JAVA17_LAUNCHER =
      Pattern.compile(
          "gcr\\.io/dataflow-templates-base/java17-template-launcher-base(-distroless)?"
              + "(:\\d{8}_RC\\d{2}|@sha256:[0-9a-f]{64})");

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  public void baseImageIsAPinnedJava17FlexLauncher() throws IOException {
    List<String> from = dockerfile().get("FROM");
    assertEquals(DOCKERFILE + ": expected exactly one FROM line, found " + from, 1, from.size());
    String image = from.get(0).split("\\s+")[0];
    assertTrue(
        DOCKERFILE
            + ": FROM "
            + image
            + " is not Google's Java 17 Flex launcher base image with a pinned tag; expected "
            + JAVA17_LAUNCHER.pattern(),
        JAVA17_LAUNCHER.matcher(image).matches());
  }

  @Test
  public void launcherEntrypointIsKept() throws IOException {
    Map<String, List<String>> instructions = dockerfile();
    for (String replacing : List.of("ENTRYPOINT", "CMD")) {
      assertFalse(
          DOCKERFILE
              + ": "
              + replacing
              + " replaces the base image's launcher, which must start the main class: "
              + instructions.get(replacing),
          instructions.containsKey(replacing));
    }
  }

  @Test
  public void mainClassExistsAndHasAPublicStaticMain() throws IOException {
    String mainClass = env().get("FLEX_TEMPLATE_JAVA_MAIN_CLASS");
    assertNotNull(DOCKERFILE + ": no ENV FLEX_TEMPLATE_JAVA_MAIN_CLASS", mainClass);
    Class<?> type;
    try {
      type = Class.forName(mainClass);
    } catch (ClassNotFoundException e) {
      throw new AssertionError(
          DOCKERFILE + ": FLEX_TEMPLATE_JAVA_MAIN_CLASS " + mainClass + " is not a class", e);
    }
    Method main;
    try {
      main = type.getMethod("main", String[].class);
    } catch (NoSuchMethodException e) {
      throw new AssertionError(mainClass + " has no public main(String[])", e);
    }
    assertTrue(mainClass + ".main(String[]) is not static", Modifier.isStatic(main.getModifiers()));
    assertEquals(
        mainClass + ".main(String[]) does not return void", void.class, main.getReturnType());
    assertTrue(
        mainClass + " is not public (the launcher cannot call it)",
        Modifier.isPublic(type.getModifiers()));
  }

  @Test
  public void classpathIsWhereTheJarIsCopied() throws IOException {
    String classpath = env().get("FLEX_TEMPLATE_JAVA_CLASSPATH");
    assertNotNull(DOCKERFILE + ": no ENV FLEX_TEMPLATE_JAVA_CLASSPATH", classpath);
    String[] copy = theCopy();
    assertEquals(
        DOCKERFILE + ": FLEX_TEMPLATE_JAVA_CLASSPATH is not the path the COPY writes the jar to",
        copiedTo(copy[0], copy[1]),
        classpath);
  }

  @Test
  public void copiedJarIsTheOneTheDataflowPomBuilds() throws Exception {
    String expected = JAR_FOLDER + finalName() + ".jar";
    assertEquals(
        DOCKERFILE
            + ": the COPY source is not the jar "
            + DATAFLOW_POM
            + " builds (target/<finalName>.jar, build context = repository root)",
        expected,
        theCopy()[0]);
  }

  @Test
  public void metadataParametersAreExactlyTheOptions() throws IOException {
    Set<String> parameters = new TreeSet<>();
    for (JsonNode parameter : metadata().path("parameters")) {
      parameters.add(parameter.path("name").asText());
    }
    Set<String> options = optionNames(OPTIONS);
    Set<String> notOptions = new TreeSet<>(parameters);
    notOptions.removeAll(options);
    assertTrue(
        METADATA
            + " lists parameters that "
            + OPTIONS.getSimpleName()
            + " does not have (the launcher would reject them): "
            + notOptions,
        notOptions.isEmpty());
    Set<String> notParameters = new TreeSet<>(options);
    notParameters.removeAll(parameters);
    assertTrue(
        OPTIONS.getSimpleName()
            + " has options that "
            + METADATA
            + " does not list (regenerate the metadata): "
            + notParameters,
        notParameters.isEmpty());
  }

  @Test
  public void specSaysJava() throws IOException {
    assertEquals(
        SPEC + ": sdkInfo.language", "JAVA", spec().path("sdkInfo").path("language").asText());
  }

  @Test
  public void specMetadataIsMetadataJson() throws IOException {
    JsonNode specMetadata = spec().get("metadata");
    assertNotNull(SPEC + " has no \"metadata\"", specMetadata);
    String difference = firstDifference("", metadata(), specMetadata);
    if (difference != null) {
      fail(
          SPEC
              + "'s \"metadata\" differs from "
              + METADATA
              + " at "
              + difference
              + "; copy it over, e.g. from templates/: jq --slurpfile m "
              + METADATA
              + " '.metadata = $m[0]' "
              + SPEC
              + " > spec.tmp && mv spec.tmp "
              + SPEC);
    }
  }

  @Test
  public void specImageIsNamedAfterTheTemplate() throws IOException {
    String image = spec().path("image").asText();
    Matcher matcher =
        Pattern.compile("(?:.+/)?([^/:@]+)(?::[^/:@]+|@sha256:[0-9a-f]{64})").matcher(image);
    assertTrue(
        SPEC + ": image '" + image + "' is not of the form registry/path/name:tag",
        matcher.matches());
    assertEquals(SPEC + ": the image's name (last path part)", TEMPLATE, matcher.group(1));
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * The JSON pointer of the first place where {@code actual} differs from {@code expected}, with
   * both values; null if they are equal (object key order does not count).
   */
  private static String firstDifference(String at, JsonNode expected, JsonNode actual) {
    if (expected.equals(actual)) {
      return null;
    }
    if (expected.isObject() && actual.isObject()) {
      Set<String> names = new TreeSet<>();
      expected.fieldNames().forEachRemaining(names::add);
      actual.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        JsonNode e = expected.path(name);
        JsonNode a = actual.path(name);
        if (!e.equals(a)) {
          return firstDifference(at + "/" + name, e, a);
        }
      }
    }
    if (expected.isArray() && actual.isArray() && expected.size() == actual.size()) {
      for (int i = 0; i < expected.size(); i++) {
        if (!expected.get(i).equals(actual.get(i))) {
          return firstDifference(at + "/" + i, expected.get(i), actual.get(i));
        }
      }
    }
    return (at.isEmpty() ? "/" : at)
        + " ("
        + METADATA
        + ": "
        + abbreviate(expected)
        + ", "
        + SPEC
        + ": "
        + abbreviate(actual)
        + ")";
  }

  private static String abbreviate(JsonNode node) {
    if (node.isMissingNode()) {
      return "(absent)";
    }
    String text = (node.isArray() ? node.size() + " entries " : "") + node;
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }

  /** The properties an options interface declares itself (not those it inherits). */
  /** The options {@code options} declares or inherits from streamy's own interfaces. */
  private static Set<String> optionNames(Class<?> options) {
    Set<String> names = new TreeSet<>();
    for (Method method : options.getMethods()) {
      if (!method.getDeclaringClass().getName().startsWith("dev.streamy.")
          || method.getParameterCount() != 0
          || method.isDefault()
          || method.isSynthetic()) {
        continue;
      }
      String name = method.getName();
      String property;
      if (name.startsWith("get") && name.length() > 3) {
        property = name.substring(3);
      } else if (name.startsWith("is")
          && name.length() > 2
          && method.getReturnType() == boolean.class) {
        property = name.substring(2);
      } else {
        continue;
      }
      names.add(Character.toLowerCase(property.charAt(0)) + property.substring(1));
    }
    return names;
  }

  /** The Dockerfile's instructions by keyword, continuation lines joined, comments dropped. */
  private static Map<String, List<String>> dockerfile() throws IOException {
    assertTrue(DOCKERFILE + " is missing", Files.isRegularFile(DOCKERFILE));
    Map<String, List<String>> instructions = new TreeMap<>();
    StringBuilder line = new StringBuilder();
    for (String raw : Files.readAllLines(DOCKERFILE, StandardCharsets.UTF_8)) {
      String trimmed = raw.strip();
      if (trimmed.startsWith("#")) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        line.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      line.append(trimmed);
      String instruction = line.toString().strip();
      line.setLength(0);
      if (instruction.isEmpty()) {
        continue;
      }
      String[] parts = instruction.split("\\s+", 2);
      instructions
          .computeIfAbsent(parts[0].toUpperCase(), k -> new ArrayList<>())
          .add(parts.length > 1 ? parts[1] : "");
    }
    return instructions;
  }

  /** The Dockerfile's ENV variables, in either form ({@code K=V ...} or {@code K V}). */
  private static Map<String, String> env() throws IOException {
    Map<String, String> env = new TreeMap<>();
    for (String args : dockerfile().getOrDefault("ENV", List.of())) {
      if (args.matches("[A-Za-z_][A-Za-z0-9_]*\\s+.*") && !args.split("\\s+")[0].contains("=")) {
        String[] kv = args.split("\\s+", 2);
        env.put(kv[0], unquote(kv[1].strip()));
        continue;
      }
      for (String pair : args.split("\\s+")) {
        int eq = pair.indexOf('=');
        assertTrue(DOCKERFILE + ": cannot read ENV " + args, eq > 0);
        env.put(pair.substring(0, eq), unquote(pair.substring(eq + 1)));
      }
    }
    return env;
  }

  /** The single COPY of a jar, as {source, destination}. */
  private static String[] theCopy() throws IOException {
    List<String[]> jarCopies = new ArrayList<>();
    for (String args : dockerfile().getOrDefault("COPY", List.of())) {
      List<String> words = new ArrayList<>();
      for (String word : args.split("\\s+")) {
        if (!word.startsWith("--")) {
          words.add(unquote(word));
        }
      }
      assertEquals(
          DOCKERFILE + ": expected COPY <source> <destination>, got " + args, 2, words.size());
      if (words.get(0).endsWith(".jar")) {
        jarCopies.add(words.toArray(new String[0]));
      }
    }
    assertEquals(DOCKERFILE + ": expected exactly one COPY of a .jar", 1, jarCopies.size());
    return jarCopies.get(0);
  }

  /** Where {@code COPY source destination} puts the file. */
  private static String copiedTo(String source, String destination) {
    if (destination.endsWith("/")) {
      return destination + source.substring(source.lastIndexOf('/') + 1);
    }
    return destination;
  }

  private static String finalName() throws Exception {
    assertTrue(DATAFLOW_POM + " is missing", Files.isRegularFile(DATAFLOW_POM));
    Document pom =
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(DATAFLOW_POM.toFile());
    Element build = child(pom.getDocumentElement(), "build");
    Element finalName = build == null ? null : child(build, "finalName");
    assertNotNull(DATAFLOW_POM + " has no <build><finalName>", finalName);
    return finalName.getTextContent().strip();
  }

  private static Element child(Element parent, String name) {
    for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
      if (node instanceof Element && name.equals(node.getNodeName())) {
        return (Element) node;
      }
    }
    return null;
  }

  private static JsonNode spec() throws IOException {
    assertTrue(SPEC + " is missing", Files.isRegularFile(SPEC));
    return JSON.readTree(SPEC.toFile());
  }

  private static JsonNode metadata() throws IOException {
    if (!Files.isRegularFile(METADATA)) {
      fail(
          METADATA
              + " is missing: generate it with ./streamy template regenerate (TemplateCommand)");
    }
    return JSON.readTree(METADATA.toFile());
  }

  private static String unquote(String value) {
    if (value.length() >= 2
        && (value.startsWith("\"") && value.endsWith("\"")
            || value.startsWith("'") && value.endsWith("'"))) {
      return value.substring(1, value.length() - 1);
    }
    return value;
  }
}
