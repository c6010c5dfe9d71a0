package dev.streamy.transforms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auto.value.AutoValue;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
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
@AutoValue
public abstract class Contract implements Serializable {

  /** The contract streamy uses when none is given. */
  public static final String DEFAULT = "mediawiki-recentchange-1.0.0";

  /** Source-coordinate columns added to every event row, so duplicates stay detectable. */
  public static final String TOPIC_COLUMN = "_topic";

  public static final String PARTITION_COLUMN = "_partition";
  public static final String OFFSET_COLUMN = "_offset";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * Loads a contract by name ({@code mediawiki-recentchange-1.0.0}, looked up as {@code
   * contracts/<name>.contract.json} on the classpath) or by the path of a mapping file on disk.
   *
   * @throws IllegalArgumentException saying which file was looked for when there is none, or which
   *     file could not be read or is not a contract
   */
  public static Contract load(String nameOrPath) {
    Path file;
    try {
      file = Path.of(nameOrPath);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("not a contract name or file path");
    }
    if (Files.isRegularFile(file)) {
      JsonNode mapping = readJson(file);
      Path schemaFile = file.toAbsolutePath().getParent().resolve(text(mapping, "schema"));
      return fromJson(mapping, readText(schemaFile));
    }
    if (nameOrPath.contains("/")
        || nameOrPath.contains(File.separator)
        || nameOrPath.endsWith(".json")) {
      throw new IllegalArgumentException("no such contract file " + file.toAbsolutePath());
    }
    String resource = "contracts/" + nameOrPath + ".contract.json";
    byte[] mapping = readResource(resource);
    if (mapping == null) {
      throw new IllegalArgumentException(
          "no contract named "
              + nameOrPath
              + " ("
              + resource
              + " on the classpath) and no such file "
              + file.toAbsolutePath());
    }
    try {
      JsonNode tree = MAPPER.readTree(mapping);
      String schemaResource = "contracts/" + text(tree, "schema");
      byte[] schema = readResource(schemaResource);
      if (schema == null) {
        throw new IllegalArgumentException(
            "no JSON Schema " + schemaResource + " on the classpath");
      }
      return fromJson(tree, new String(schema, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "the bundled contract "
              + resource
              + " is not JSON ("
              + e.getClass().getSimpleName()
              + ")");
    }
  }

  /** Builds a contract from its mapping document and the text of its JSON Schema. */
  public static Contract fromJson(JsonNode mapping, String schemaJson) {
    JsonNode schema;
    try {
      schema = MAPPER.readTree(schemaJson);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "the contract's JSON Schema is not JSON (" + e.getClass().getSimpleName() + ")");
    }
    List<String> idPath = JsonPaths.parse(text(mapping, "eventId"));
    List<String> timePath = JsonPaths.parse(text(mapping, "eventTime"));
    List<Column> columns = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (JsonNode entry : mapping.path("columns")) {
      String columnPath = entry.isTextual() ? entry.asText() : text(entry, "path");
      String columnName = entry.isTextual() ? columnPath.replace('.', '_') : text(entry, "name");
      if (!columnName.matches("[A-Za-z][A-Za-z0-9_]*") || !names.add(columnName)) {
        throw new IllegalArgumentException("Bad or repeated column name: " + columnName);
      }
      List<String> segments = JsonPaths.parse(columnPath);
      boolean isEventTime = segments.equals(timePath);
      columns.add(Column.create(columnName, segments, typeOf(schema, segments, isEventTime)));
    }
    if (columns.stream().noneMatch(c -> c.getPath().equals(idPath))
        || columns.stream().noneMatch(c -> c.getPath().equals(timePath))) {
      throw new IllegalArgumentException("The event id and event time must be columns");
    }
    JsonNode agg = mapping.path("aggregation");
    List<String> groupKeys = new ArrayList<>();
    agg.path("groupKeys").forEach(k -> groupKeys.add(k.asText()));
    JsonNode delta = agg.path("delta");
    Aggregation aggregation =
        Aggregation.create(
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
    Schema.Builder eventSchema = Schema.builder();
    for (Column column : columns) {
      eventSchema.addField(Schema.Field.of(column.getName(), column.getType()));
    }
    eventSchema.addStringField(TOPIC_COLUMN);
    eventSchema.addInt32Field(PARTITION_COLUMN);
    eventSchema.addInt64Field(OFFSET_COLUMN);
    return new AutoValue_Contract(
        text(mapping, "name"),
        text(mapping, "version"),
        schemaJson,
        idPath,
        timePath,
        List.copyOf(columns),
        aggregation,
        eventSchema.build());
  }

  public abstract String getName();

  public abstract String getVersion();

  /** The JSON Schema document, as text. */
  public abstract String getSchemaJson();

  public abstract List<String> getEventIdPath();

  public abstract List<String> getEventTimePath();

  public abstract List<Column> getColumns();

  public abstract Aggregation getAggregation();

  /** The Beam Schema of a typed event row: the contract's columns, then source coordinates. */
  public abstract Schema getEventSchema();

  /** {@code <name>-<version>}, as {@code --contract} names a bundled contract. */
  public String id() {
    return getName() + "-" + getVersion();
  }

  /** Name of the column that holds the event time. */
  public String eventTimeColumn() {
    return columnAt(getEventTimePath());
  }

  /** Name of the column that holds the event id. */
  public String eventIdColumn() {
    return columnAt(getEventIdPath());
  }

  private String columnAt(List<String> path) {
    return getColumns().stream().filter(c -> c.getPath().equals(path)).findFirst().get().getName();
  }

  /** The contract's name and version only: the schema text is long. */
  @Override
  public String toString() {
    return "Contract{" + id() + "}";
  }

  /**
   * Builds the typed row of a contract-valid event. Values the schema allows but a column type
   * cannot hold (objects and arrays) are kept as their JSON text.
   */
  public Row toRow(JsonNode event, SourceRecord source) {
    List<Column> columns = getColumns();
    int n = columns.size();
    Object[] values = new Object[n + 3];
    for (int i = 0; i < n; i++) {
      Column column = columns.get(i);
      Object value = column.valueOf(JsonPaths.at(event, column.getPath()));
      if (value == null && !column.getType().getNullable()) {
        // Not a valid event after all: let the checking builder refuse it as it always has.
        return checkedRow(event, source);
      }
      values[i] = value;
    }
    values[n] = source.getTopic();
    values[n + 1] = source.getPartition();
    values[n + 2] = source.getOffset();
    // Every value already has its column's Java type (valueOf), so the builder's per-value
    // verification and copy would change nothing: attach them as they are.
    return Row.withSchema(getEventSchema()).attachValues(Arrays.asList(values));
  }

  private Row checkedRow(JsonNode event, SourceRecord source) {
    Row.Builder row = Row.withSchema(getEventSchema());
    for (Column column : getColumns()) {
      row.addValue(column.valueOf(JsonPaths.at(event, column.getPath())));
    }
    return row.addValues(source.getTopic(), source.getPartition(), source.getOffset()).build();
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

  private static @Nullable byte[] readResource(String resource) {
    try (InputStream in = Contract.class.getClassLoader().getResourceAsStream(resource)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + resource + " from the classpath", e);
    }
  }

  private static JsonNode readJson(Path file) {
    try {
      return MAPPER.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the contract file "
              + file.toAbsolutePath()
              + " as JSON ("
              + e.getClass().getSimpleName()
              + ")");
    }
  }

  private static String readText(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the contract's JSON Schema "
              + file
              + " ("
              + e.getClass().getSimpleName()
              + ")");
    }
  }

  /** One typed column: its name, its path in the event, and its Beam type. */
  @AutoValue
  public abstract static class Column implements Serializable {

    static Column create(String name, List<String> path, FieldType type) {
      return new AutoValue_Contract_Column(name, List.copyOf(path), type);
    }

    public abstract String getName();

    public abstract List<String> getPath();

    public abstract FieldType getType();

    @Nullable
    Object valueOf(@Nullable JsonNode value) {
      if (value == null) {
        return null;
      }
      switch (getType().getTypeName()) {
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
  @AutoValue
  public abstract static class Aggregation implements Serializable {

    static Aggregation create(
        List<String> groupKeys,
        @Nullable String countTrue,
        @Nullable String distinct,
        @Nullable String deltaName,
        @Nullable String deltaNew,
        @Nullable String deltaOld) {
      return new AutoValue_Contract_Aggregation(
          List.copyOf(groupKeys), countTrue, distinct, deltaName, deltaNew, deltaOld);
    }

    public abstract List<String> getGroupKeys();

    public abstract @Nullable String getCountTrue();

    public abstract @Nullable String getDistinct();

    public abstract @Nullable String getDeltaName();

    public abstract @Nullable String getDeltaNew();

    public abstract @Nullable String getDeltaOld();

    /** The columns the metrics read, each once, in the order of the spec. */
    List<String> metricColumns() {
      java.util.LinkedHashSet<String> columns = new java.util.LinkedHashSet<>();
      for (String c : Arrays.asList(getCountTrue(), getDistinct(), getDeltaNew(), getDeltaOld())) {
        if (c != null) {
          columns.add(c);
        }
      }
      return List.copyOf(columns);
    }

    List<String> referencedColumns() {
      List<String> all = new ArrayList<>(getGroupKeys());
      for (String c : Arrays.asList(getCountTrue(), getDistinct(), getDeltaNew(), getDeltaOld())) {
        if (c != null) {
          all.add(c);
        }
      }
      return all;
    }
  }
}
