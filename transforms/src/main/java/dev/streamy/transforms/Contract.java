package dev.streamy.transforms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;

/**
 * A data contract: a JSON Schema plus a small mapping (event id, event time, columns, aggregation
 * keys). The Beam Schema of the typed events is derived from it here, once; nothing about a
 * particular event type is written in Java.
 *
 * <p>A contract is loaded from a mapping file ({@code *.contract.json}) on the classpath (a name
 * under {@code contracts/}) or on disk; the mapping names its JSON Schema file relative to itself.
 */
public final class Contract implements Serializable {

  /** The contract streamy uses when none is given. */
  public static final String DEFAULT = "mediawiki-recentchange-1.0.0";

  /** Source-coordinate columns added to every event row, so duplicates stay detectable. */
  public static final String TOPIC_COLUMN = "_topic";

  public static final String PARTITION_COLUMN = "_partition";
  public static final String OFFSET_COLUMN = "_offset";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String name;
  private final String version;
  private final String schemaJson;
  private final List<String> eventIdPath;
  private final List<String> eventTimePath;
  private final List<Column> columns;
  private final Aggregation aggregation;
  private final Schema eventSchema;

  private Contract(
      String name,
      String version,
      String schemaJson,
      List<String> eventIdPath,
      List<String> eventTimePath,
      List<Column> columns,
      Aggregation aggregation) {
    this.name = name;
    this.version = version;
    this.schemaJson = schemaJson;
    this.eventIdPath = eventIdPath;
    this.eventTimePath = eventTimePath;
    this.columns = columns;
    this.aggregation = aggregation;
    Schema.Builder schema = Schema.builder();
    for (Column column : columns) {
      schema.addField(Schema.Field.of(column.name, column.type));
    }
    schema.addStringField(TOPIC_COLUMN);
    schema.addInt32Field(PARTITION_COLUMN);
    schema.addInt64Field(OFFSET_COLUMN);
    this.eventSchema = schema.build();
  }

  /**
   * Loads a contract by name ({@code mediawiki-recentchange-1.0.0}, looked up as {@code
   * contracts/<name>.contract.json} on the classpath) or by the path of a mapping file on disk.
   */
  public static Contract load(String nameOrPath) {
    Path file = Path.of(nameOrPath);
    try {
      if (Files.isRegularFile(file)) {
        Path schemaFile;
        JsonNode mapping = MAPPER.readTree(file.toFile());
        schemaFile = file.toAbsolutePath().getParent().resolve(text(mapping, "schema"));
        return fromJson(mapping, Files.readString(schemaFile));
      }
      String resource = "contracts/" + nameOrPath + ".contract.json";
      JsonNode mapping = MAPPER.readTree(readResource(resource));
      return fromJson(
          mapping,
          new String(readResource("contracts/" + text(mapping, "schema")), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read contract " + nameOrPath, e);
    }
  }

  /** Builds a contract from its mapping document and the text of its JSON Schema. */
  public static Contract fromJson(JsonNode mapping, String schemaJson) throws IOException {
    JsonNode schema = MAPPER.readTree(schemaJson);
    List<String> idPath = path(text(mapping, "eventId"));
    List<String> timePath = path(text(mapping, "eventTime"));
    List<Column> columns = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (JsonNode entry : mapping.path("columns")) {
      String columnPath = entry.isTextual() ? entry.asText() : text(entry, "path");
      String columnName = entry.isTextual() ? columnPath.replace('.', '_') : text(entry, "name");
      if (!columnName.matches("[A-Za-z][A-Za-z0-9_]*") || !names.add(columnName)) {
        throw new IllegalArgumentException("Bad or repeated column name: " + columnName);
      }
      List<String> segments = path(columnPath);
      boolean isEventTime = segments.equals(timePath);
      columns.add(new Column(columnName, segments, typeOf(schema, segments, isEventTime)));
    }
    if (columns.stream().noneMatch(c -> c.path.equals(idPath))
        || columns.stream().noneMatch(c -> c.path.equals(timePath))) {
      throw new IllegalArgumentException("The event id and event time must be columns");
    }
    JsonNode agg = mapping.path("aggregation");
    List<String> groupKeys = new ArrayList<>();
    agg.path("groupKeys").forEach(k -> groupKeys.add(k.asText()));
    JsonNode delta = agg.path("delta");
    Aggregation aggregation =
        new Aggregation(
            groupKeys,
            optionalText(agg, "countTrue"),
            optionalText(agg, "distinct"),
            optionalText(delta, "name"),
            optionalText(delta, "new"),
            optionalText(delta, "old"));
    for (String column : aggregation.referencedColumns()) {
      if (!names.contains(column)) {
        throw new IllegalArgumentException("Aggregation names unknown column: " + column);
      }
    }
    return new Contract(
        text(mapping, "name"),
        text(mapping, "version"),
        schemaJson,
        idPath,
        timePath,
        List.copyOf(columns),
        aggregation);
  }

  public String name() {
    return name;
  }

  public String version() {
    return version;
  }

  /** The JSON Schema document, as text. */
  public String schemaJson() {
    return schemaJson;
  }

  public List<String> eventIdPath() {
    return eventIdPath;
  }

  public List<String> eventTimePath() {
    return eventTimePath;
  }

  /** Name of the column that holds the event time. */
  public String eventTimeColumn() {
    return columns.stream().filter(c -> c.path.equals(eventTimePath)).findFirst().get().name;
  }

  /** Name of the column that holds the event id. */
  public String eventIdColumn() {
    return columns.stream().filter(c -> c.path.equals(eventIdPath)).findFirst().get().name;
  }

  public List<Column> columns() {
    return columns;
  }

  public Aggregation aggregation() {
    return aggregation;
  }

  /** The Beam Schema of a typed event row: the contract's columns, then source coordinates. */
  public Schema eventSchema() {
    return eventSchema;
  }

  /** The value at a dotted path, or null when a segment is absent or JSON null. */
  public static @Nullable JsonNode at(JsonNode root, List<String> path) {
    JsonNode node = root;
    for (String segment : path) {
      if (node == null || !node.isObject()) {
        return null;
      }
      node = node.get(segment);
    }
    return node == null || node.isNull() ? null : node;
  }

  /**
   * Builds the typed row of a contract-valid event. Values the schema allows but a column type
   * cannot hold (objects and arrays) are kept as their JSON text.
   */
  public Row toRow(JsonNode event, SourceRecord source) {
    Row.Builder row = Row.withSchema(eventSchema);
    for (Column column : columns) {
      row.addValue(column.valueOf(at(event, column.path)));
    }
    return row.addValues(source.topic, source.partition, source.offset).build();
  }

  private static FieldType typeOf(JsonNode schema, List<String> path, boolean isEventTime) {
    JsonNode node = schema;
    boolean required = true;
    for (String segment : path) {
      Set<String> requiredHere = new HashSet<>();
      node.path("required").forEach(r -> requiredHere.add(r.asText()));
      required &= requiredHere.contains(segment);
      node = node.path("properties").path(segment);
      if (node.isMissingNode()) {
        throw new IllegalArgumentException(
            "Column path " + String.join(".", path) + " is not in the JSON Schema");
      }
    }
    Set<String> types = new HashSet<>();
    JsonNode type = node.path("type");
    if (type.isArray()) {
      type.forEach(t -> types.add(t.asText()));
    } else if (type.isTextual()) {
      types.add(type.asText());
    }
    boolean allowsNull = types.remove("null");
    boolean nullable = !required || allowsNull;
    FieldType beamType;
    if (isEventTime) {
      beamType = FieldType.DATETIME;
      nullable = false;
    } else if (types.equals(Set.of("string"))) {
      beamType =
          "date-time".equals(node.path("format").asText()) ? FieldType.DATETIME : FieldType.STRING;
    } else if (types.equals(Set.of("integer"))) {
      beamType = FieldType.INT64;
    } else if (types.equals(Set.of("number")) || types.equals(Set.of("number", "integer"))) {
      beamType = FieldType.DOUBLE;
    } else if (types.equals(Set.of("boolean"))) {
      beamType = FieldType.BOOLEAN;
    } else {
      beamType = FieldType.STRING; // objects, arrays and unions are kept as JSON text
    }
    return beamType.withNullable(nullable);
  }

  private static List<String> path(String dotted) {
    return List.copyOf(Arrays.asList(dotted.split("\\.")));
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().isEmpty()) {
      throw new IllegalArgumentException("Contract mapping needs a text field '" + field + "'");
    }
    return value.asText();
  }

  private static @Nullable String optionalText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || !value.isTextual() ? null : value.asText();
  }

  private static byte[] readResource(String resource) throws IOException {
    try (InputStream in = Contract.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException(
            "No contract file " + resource + " on the classpath and no such file on disk");
      }
      return in.readAllBytes();
    }
  }

  /** One typed column: its name, its path in the event, and its Beam type. */
  public static final class Column implements Serializable {
    public final String name;
    public final List<String> path;
    public final FieldType type;

    Column(String name, List<String> path, FieldType type) {
      this.name = name;
      this.path = path;
      this.type = type;
    }

    @Nullable
    Object valueOf(@Nullable JsonNode value) {
      if (value == null) {
        return null;
      }
      switch (type.getTypeName()) {
        case DATETIME:
          return EventTimes.parse(value.asText());
        case INT64:
          return value.asLong();
        case DOUBLE:
          return value.asDouble();
        case BOOLEAN:
          return value.asBoolean();
        default:
          return value.isTextual() ? value.asText() : value.toString();
      }
    }
  }

  /**
   * What to aggregate per window and group key: a count of events where a boolean column is true, a
   * distinct count of one column, and the sum and max of the difference of two numeric columns.
   * Each part is optional.
   */
  public static final class Aggregation implements Serializable {
    public final List<String> groupKeys;
    public final @Nullable String countTrue;
    public final @Nullable String distinct;
    public final @Nullable String deltaName;
    public final @Nullable String deltaNew;
    public final @Nullable String deltaOld;

    Aggregation(
        List<String> groupKeys,
        @Nullable String countTrue,
        @Nullable String distinct,
        @Nullable String deltaName,
        @Nullable String deltaNew,
        @Nullable String deltaOld) {
      this.groupKeys = List.copyOf(groupKeys);
      this.countTrue = countTrue;
      this.distinct = distinct;
      this.deltaName = deltaName;
      this.deltaNew = deltaNew;
      this.deltaOld = deltaOld;
    }

    List<String> referencedColumns() {
      List<String> all = new ArrayList<>(groupKeys);
      for (String c : Arrays.asList(countTrue, distinct, deltaNew, deltaOld)) {
        if (c != null) {
          all.add(c);
        }
      }
      return all;
    }
  }
}
