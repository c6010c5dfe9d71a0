package dev.streamy.templates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The generated files of every template, under {@code templates/<name>/} of a root folder. */
public final class TemplateFiles {

  /** The one command that rewrites the committed files. */
  public static final String REGENERATE = "./streamy template regenerate";

  private TemplateFiles() {}

  /** {@code templates/<name>/metadata.json}, relative to the root. */
  public static String metadataPath(Template template) {
    return "templates/" + template.name() + "/metadata.json";
  }

  /** {@code templates/<name>/README.md}, relative to the root. */
  public static String readmePath(Template template) {
    return "templates/" + template.name() + "/README.md";
  }

  /** Every generated file: its path relative to the root, and its content. */
  public static Map<String, String> generate(Template template) {
    Map<String, String> files = new LinkedHashMap<>();
    files.put(metadataPath(template), TemplateMetadata.json(template));
    files.put(readmePath(template), TemplateReadme.markdown(template));
    return files;
  }

  /** Writes the files of every template below {@code root}: each path, and whether it changed. */
  public static Map<Path, Boolean> write(Path root) throws IOException {
    Map<Path, Boolean> written = new LinkedHashMap<>();
    for (Template template : Template.ALL) {
      for (Map.Entry<String, String> file : generate(template).entrySet()) {
        Path path = root.resolve(file.getKey());
        boolean changed =
            !Files.exists(path)
                || !Files.readString(path, StandardCharsets.UTF_8).equals(file.getValue());
        if (changed) {
          Files.createDirectories(path.getParent());
          Files.writeString(path, file.getValue(), StandardCharsets.UTF_8);
        }
        written.put(path, changed);
      }
      Path spec = root.resolve("templates/" + template.name() + "/spec.json");
      if (Files.exists(spec)) {
        written.put(spec, updateSpec(spec, template));
      }
    }
    return written;
  }

  /**
   * Keeps the {@code metadata} of a template's Flex spec file ({@code spec.json}, the file {@code
   * gcloud dataflow flex-template build} writes) equal to the generated metadata; the rest of the
   * spec is left as it is. Returns whether it changed.
   */
  private static boolean updateSpec(Path spec, Template template) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode content = (ObjectNode) json.readTree(spec.toFile());
    JsonNode metadata = json.readTree(TemplateMetadata.json(template));
    if (metadata.equals(content.get("metadata"))) {
      return false;
    }
    content.set("metadata", metadata);
    Files.writeString(
        spec,
        json.writerWithDefaultPrettyPrinter().writeValueAsString(content) + "\n",
        StandardCharsets.UTF_8);
    return true;
  }
}
