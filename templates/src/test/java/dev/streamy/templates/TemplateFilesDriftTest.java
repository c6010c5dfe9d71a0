package dev.streamy.templates;

import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.Test;

/**
 * The committed {@code templates/<name>/metadata.json} and {@code README.md} are exactly what the
 * options interfaces generate today: an option added, removed or changed without regenerating fails
 * here, naming the parameters and the command that fixes it.
 */
public class TemplateFilesDriftTest {

  private static final Path ROOT = Paths.get(System.getProperty("streamy.repo.root", ".."));
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  public void committedFilesAreWhatTheOptionsGenerate() throws IOException {
    List<String> drift = new ArrayList<>();
    for (Template template : Template.ALL) {
      for (Map.Entry<String, String> file : TemplateFiles.generate(template).entrySet()) {
        Path path = ROOT.resolve(file.getKey());
        String committed =
            Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : null;
        if (!file.getValue().equals(committed)) {
          drift.add(file.getKey() + ": " + difference(file.getKey(), file.getValue(), committed));
        }
      }
    }
    if (!drift.isEmpty()) {
      fail(
          "template files are out of date with the options interfaces:\n  "
              + String.join("\n  ", drift)
              + "\nregenerate them with: "
              + TemplateFiles.REGENERATE
              + " (or, with Maven: mvn -q -pl templates -am process-classes"
              + " -Dspotless.check.skip=true -Dtemplates.regenerate)");
    }
  }

  /** What differs, by parameter name when the metadata tells. */
  private static String difference(String name, String generated, String committed)
      throws IOException {
    if (committed == null) {
      return "missing";
    }
    if (name.endsWith(".json")) {
      JsonNode expected = JSON.readTree(generated);
      JsonNode actual;
      try {
        actual = JSON.readTree(committed);
      } catch (IOException e) {
        return "not valid JSON";
      }
      if (!actual.isObject()) {
        return "not a metadata object";
      }
      Map<String, JsonNode> want = byName(expected);
      Map<String, JsonNode> have = byName(actual);
      List<String> parts = new ArrayList<>();
      TreeSet<String> added = new TreeSet<>(want.keySet());
      added.removeAll(have.keySet());
      TreeSet<String> removed = new TreeSet<>(have.keySet());
      removed.removeAll(want.keySet());
      TreeSet<String> changed = new TreeSet<>();
      want.forEach(
          (parameter, node) -> {
            if (have.containsKey(parameter) && !have.get(parameter).equals(node)) {
              changed.add(parameter);
            }
          });
      if (!added.isEmpty()) {
        parts.add("parameters not in the file " + added);
      }
      if (!removed.isEmpty()) {
        parts.add("parameters no longer options " + removed);
      }
      if (!changed.isEmpty()) {
        parts.add("parameters changed " + changed);
      }
      if (parts.isEmpty()) {
        ((ObjectNode) expected).remove("parameters");
        ((ObjectNode) actual).remove("parameters");
        if (!expected.equals(actual)) {
          parts.add("template name, description or streaming differs");
        } else if (!new ArrayList<>(want.keySet()).equals(new ArrayList<>(have.keySet()))) {
          parts.add("parameter order differs");
        } else {
          parts.add("formatting differs");
        }
      }
      return String.join("; ", parts);
    }
    String[] want = generated.split("\n", -1);
    String[] have = committed.split("\n", -1);
    for (int i = 0; i < Math.max(want.length, have.length); i++) {
      String w = i < want.length ? want[i] : "(end of file)";
      String h = i < have.length ? have[i] : "(end of file)";
      if (!w.equals(h)) {
        return "line " + (i + 1) + " is\n    " + h + "\n  but should be\n    " + w;
      }
    }
    return "differs";
  }

  /** The parameters by name, in the file's order. */
  private static Map<String, JsonNode> byName(JsonNode metadata) {
    Map<String, JsonNode> parameters = new LinkedHashMap<>();
    for (JsonNode parameter : metadata.path("parameters")) {
      parameters.put(parameter.path("name").asText(), parameter);
    }
    return parameters;
  }
}
