package dev.streamy.transforms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auto.value.AutoValue;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.annotation.Nullable;
import org.apache.beam.sdk.schemas.Schema;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The contract's rules for one parsed event, in order: a usable event time ({@code TS_INVALID}),
 * the JSON Schema and the column types ({@code FIELD_MISSING}, else {@code FIELD_INVALID}, with
 * every violation listed), then an event time not too far ahead of now ({@code TS_FUTURE}). Fields
 * the schema does not declare are allowed and reported. Reasons are written here from the schema
 * and the JSON types, never from the event's values.
 *
 * <p>Building one compiles the JSON Schema: do it once per worker ({@code @Setup}), not per event.
 */
public final class EventRules {

  /** Event times before this are taken as broken clocks or placeholders. */
  public static final Instant EARLIEST_EVENT_TIME = Instant.parse("2000-01-01T00:00:00Z");

  /** The last instant with a four-digit year. */
  public static final Instant LATEST_EVENT_TIME = Instant.parse("9999-12-31T23:59:59.999Z");

  private static final int MAX_EVENT_ID_CHARS = 256;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Contract contract;
  private final Duration maxFutureSkew;
  private final JsonNode schemaNode;
  private final JsonSchema schema;
  private final String eventTimePath;
  private final Map<String, Pattern> patternProperties = new HashMap<>();
  private final Shape shape;
  private final @Nullable QuickSchema quickSchema;
  private final Contract.Column[] columns;
  private final String[] columnPaths;

  public EventRules(Contract contract, Duration maxFutureSkew) {
    this.contract = contract;
    this.maxFutureSkew = maxFutureSkew;
    this.eventTimePath = JsonPaths.dotted(contract.getEventTimePath());
    try {
      this.schemaNode = MAPPER.readTree(contract.getSchemaJson());
    } catch (IOException e) {
      throw new UncheckedIOException("The contract's JSON Schema is not JSON", e);
    }
    SchemaValidatorsConfig config = new SchemaValidatorsConfig();
    // Pointers keep keys with dots or spaces unambiguous; we render them dotted ourselves.
    config.setPathType(PathType.JSON_POINTER);
    // A base URI lets relative "$id"s (as in Wikimedia's schemas) resolve; nothing is fetched.
    URI base =
        URI.create("https://contracts.streamy.invalid/" + contract.getName() + "/schema.json");
    this.schema =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
            .getSchema(base, schemaNode, config);
    schemaNode
        .findValues("patternProperties")
        .forEach(node -> node.fieldNames().forEachRemaining(this::compilePattern));
    this.shape = new Shape(schemaNode, patternProperties);
    this.quickSchema = QuickSchema.compile(schemaNode, true);
    this.columns = contract.getColumns().toArray(new Contract.Column[0]);
    this.columnPaths = new String[columns.length];
    for (int i = 0; i < columns.length; i++) {
      columnPaths[i] = JsonPaths.dotted(columns[i].getPath());
    }
  }

  /** Whether the schema is simple enough for the quick check of valid events (for tests). */
  boolean hasQuickSchema() {
    return quickSchema != null;
  }

  private void compilePattern(String regex) {
    patternProperties.computeIfAbsent(regex, Pattern::compile);
  }

  /** Checks one event against the contract, taking {@code now} as the processing time. */
  public Verdict check(JsonNode event, Instant now) {
    return check(event, now, quickSchema != null);
  }

  /** As {@link #check}, always asking the JSON Schema validator (for tests of the quick check). */
  Verdict checkWithValidator(JsonNode event, Instant now) {
    return check(event, now, false);
  }

  private Verdict check(JsonNode event, Instant now, boolean quick) {
    String eventId = eventId(event);
    JsonNode timeNode = JsonPaths.at(event, contract.getEventTimePath());
    Instant eventTime = null;
    String timeProblem;
    if (timeNode == null) {
      timeProblem = "event time is missing or null";
    } else if (!timeNode.isTextual()) {
      timeProblem = "event time is not a string";
    } else {
      eventTime = EventTimes.parse(timeNode.asText());
      if (eventTime == null) {
        timeProblem = "event time is not an ISO-8601 date-time with an offset";
      } else if (eventTime.isBefore(EARLIEST_EVENT_TIME) || eventTime.isAfter(LATEST_EVENT_TIME)) {
        timeProblem = "event time is outside 2000-01-01 .. 9999-12-31";
        eventTime = null;
      } else {
        timeProblem = null;
      }
    }
    if (timeProblem != null) {
      return Verdict.failure(
          ErrorCode.TS_INVALID,
          timeProblem + " (" + eventTimePath + ")",
          List.of(violation(eventTimePath, ErrorCode.TS_INVALID, timeProblem)),
          null,
          eventId);
    }

    // The validator's messages are only needed when an event breaks the schema: most do not.
    List<DeadLetter.Violation> violations =
        quick && quickSchema.surelyValid(event) ? new ArrayList<>() : schemaViolations(event);
    violations.addAll(columnViolations(event, violations));
    if (!violations.isEmpty()) {
      violations.sort(
          Comparator.comparing(DeadLetter.Violation::getPath)
              .thenComparing(DeadLetter.Violation::getCode)
              .thenComparing(DeadLetter.Violation::getReason));
      boolean missing =
          violations.stream().anyMatch(v -> v.getCode().equals(ErrorCode.FIELD_MISSING.name()));
      String paths =
          violations.stream()
              .map(DeadLetter.Violation::getPath)
              .distinct()
              .collect(Collectors.joining(", "));
      return Verdict.failure(
          missing ? ErrorCode.FIELD_MISSING : ErrorCode.FIELD_INVALID,
          violations.size() + " contract violation(s) at: " + paths,
          List.copyOf(violations),
          eventTime,
          eventId);
    }

    if (eventTime.isAfter(now.plus(maxFutureSkew))) {
      String reason = "event time is more than " + maxFutureSkew + " ahead of processing time";
      return Verdict.failure(
          ErrorCode.TS_FUTURE,
          reason + " (" + eventTimePath + ")",
          List.of(violation(eventTimePath, ErrorCode.TS_FUTURE, reason)),
          eventTime,
          eventId);
    }
    return Verdict.valid(eventTime, eventId, shape.hasUnknownFields(event));
  }

  /** The event id as text when it is present and a short scalar, else null. */
  public @Nullable String eventId(JsonNode event) {
    JsonNode id = JsonPaths.at(event, contract.getEventIdPath());
    if (id == null || !id.isValueNode()) {
      return null;
    }
    String text = id.asText();
    return text.length() <= MAX_EVENT_ID_CHARS ? text : null;
  }

  private List<DeadLetter.Violation> schemaViolations(JsonNode event) {
    Set<DeadLetter.Violation> found = new LinkedHashSet<>();
    for (ValidationMessage message : schema.validate(event)) {
      List<String> pointer = JsonPaths.fromPointer(message.getPath());
      String keyword = message.getType();
      String[] args = message.getArguments();
      if ("required".equals(keyword) && args != null && args.length > 0) {
        pointer.add(args[0]);
        found.add(
            violation(
                JsonPaths.shown(event, pointer), ErrorCode.FIELD_MISSING, "required, missing"));
        continue;
      }
      JsonNode node = JsonPaths.atPointer(event, pointer);
      String path = JsonPaths.shown(event, pointer);
      if (node != null && node.isNull()) {
        found.add(violation(path, ErrorCode.FIELD_MISSING, "null where a value is required"));
      } else {
        found.add(violation(path, ErrorCode.FIELD_INVALID, reason(keyword, args, node)));
      }
    }
    return new ArrayList<>(found);
  }

  /**
   * Values the schema accepts but the column cannot hold exactly (an integer beyond 64 bits, a
   * number beyond a double, a date-time java.time cannot read) would be silently changed or break
   * the row: they are field violations too.
   */
  private List<DeadLetter.Violation> columnViolations(
      JsonNode event, List<DeadLetter.Violation> already) {
    Set<String> flagged = new HashSet<>();
    already.forEach(v -> flagged.add(v.getPath()));
    List<DeadLetter.Violation> found = new ArrayList<>(0);
    for (int i = 0; i < columns.length; i++) {
      Contract.Column column = columns[i];
      JsonNode value = JsonPaths.at(event, column.getPath());
      String path = columnPaths[i];
      if (value == null || (!flagged.isEmpty() && flagged.contains(path))) {
        continue;
      }
      Schema.TypeName type = column.getType().getTypeName();
      String problem = null;
      if (type == Schema.TypeName.INT64
          && !(value.isNumber() && value.canConvertToExactIntegral() && value.canConvertToLong())) {
        problem = "does not fit a 64-bit integer column";
      } else if (type == Schema.TypeName.DOUBLE
          && !(value.isNumber() && Double.isFinite(value.asDouble()))) {
        problem = "does not fit a double column";
      } else if (type == Schema.TypeName.BOOLEAN && !value.isBoolean()) {
        problem = "does not fit a boolean column";
      } else if (type == Schema.TypeName.DATETIME
          && !(value.isTextual() && EventTimes.parse(value.asText()) != null)) {
        problem = "not an ISO-8601 date-time with an offset";
      }
      if (problem != null) {
        found.add(violation(path, ErrorCode.FIELD_INVALID, problem));
      }
    }
    return found;
  }

  private static String reason(String keyword, @Nullable String[] args, @Nullable JsonNode node) {
    String first = args != null && args.length > 0 ? args[0] : "";
    switch (keyword) {
      case "type":
      case "unionType":
        String expected = args != null && args.length > 1 ? args[1] : "another type";
        return "expected " + expected + ", found " + jsonType(node);
      case "pattern":
        return "does not match the schema's pattern";
      case "maxLength":
        return "longer than " + first + " characters";
      case "minLength":
        return "shorter than " + first + " characters";
      case "minimum":
      case "exclusiveMinimum":
        return "below the schema's minimum";
      case "maximum":
      case "exclusiveMaximum":
        return "above the schema's maximum";
      case "enum":
        return "not one of the schema's allowed values";
      case "const":
        return "not the schema's constant value";
      case "format":
        return "not a valid " + first;
      case "dateTime":
        return "not a valid date-time";
      case "additionalProperties":
        return "a property the schema does not allow";
      default:
        return "breaks the schema's '" + keyword + "' rule";
    }
  }

  private static String jsonType(@Nullable JsonNode node) {
    if (node == null) {
      return "nothing";
    }
    if (node.isIntegralNumber()) {
      return "integer";
    }
    return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * Which keys each object level of the schema declares ({@code properties}, {@code
   * patternProperties}) and what its array items look like, read once from the schema so that
   * {@link #hasUnknownFields} walks only the event.
   */
  private static final class Shape {
    private final @Nullable Map<String, Shape> properties;
    private final List<Pattern> patterns = new ArrayList<>();
    private final @Nullable Shape items;

    Shape(JsonNode nodeSchema, Map<String, Pattern> compiled) {
      if (nodeSchema.path("properties").isObject()) {
        properties = new HashMap<>();
        nodeSchema
            .get("properties")
            .fields()
            .forEachRemaining(f -> properties.put(f.getKey(), new Shape(f.getValue(), compiled)));
        nodeSchema
            .path("patternProperties")
            .fieldNames()
            .forEachRemaining(
                regex -> {
                  Pattern pattern = compiled.get(regex);
                  if (pattern != null) {
                    patterns.add(pattern);
                  }
                });
      } else {
        properties = null;
      }
      items =
          nodeSchema.path("items").isObject() ? new Shape(nodeSchema.get("items"), compiled) : null;
    }

    /**
     * Whether the event has a key that an object schema with {@code properties} does not declare
     * (nor match by {@code patternProperties}), at any level the schema describes.
     */
    boolean hasUnknownFields(JsonNode node) {
      if (node.isObject() && properties != null) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> field = it.next();
          Shape fieldShape = properties.get(field.getKey());
          if (fieldShape == null) {
            if (!matchesPattern(field.getKey())) {
              return true;
            }
          } else if (fieldShape.hasUnknownFields(field.getValue())) {
            return true;
          }
        }
      } else if (node.isArray() && items != null) {
        for (JsonNode item : node) {
          if (items.hasUnknownFields(item)) {
            return true;
          }
        }
      }
      return false;
    }

    private boolean matchesPattern(String key) {
      for (Pattern pattern : patterns) {
        if (pattern.matcher(key).find()) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * The common subset of JSON Schema ({@code type}, {@code properties}, {@code required}, {@code
   * additionalProperties: true}, {@code pattern}, {@code minLength}, {@code maxLength}, {@code
   * format} date-time and uri-reference, and annotations), compiled once, that says of an event
   * only "surely valid" or "ask the validator". It answers "surely valid" only where the validator
   * (networknt 1.0.87, draft 7, default settings) finds nothing, reproducing its rules (a JSON type
   * from the node's class, lengths in code points, its anchoring of patterns, {@code new URI});
   * anything it is unsure of (a whole-number double for an integer, an unusual date-time) goes to
   * the validator, which also writes every message. A schema with any other keyword gets no quick
   * check.
   */
  private static final class QuickSchema {
    private static final int STRING = 1;
    private static final int INTEGER = 1 << 1;
    private static final int NUMBER = 1 << 2;
    private static final int BOOLEAN = 1 << 3;
    private static final int NULL = 1 << 4;
    private static final int OBJECT = 1 << 5;
    private static final int ARRAY = 1 << 6;
    private static final int ANY = -1;

    private static final Set<String> ANNOTATIONS =
        Set.of("title", "description", "$comment", "default", "examples");

    private int types = ANY;
    private String[] required = new String[0];
    private String[] propertyNames = new String[0];
    private QuickSchema[] propertySchemas = new QuickSchema[0];
    private @Nullable Pattern pattern;
    private boolean patternStartAnchor;
    private boolean patternEndAnchor;
    private int minLength = Integer.MIN_VALUE;
    private int maxLength = Integer.MAX_VALUE;
    private boolean dateTime;
    private boolean uriReference;

    /** The quick check of a schema, or null when it uses anything outside the subset. */
    static @Nullable QuickSchema compile(JsonNode schema, boolean root) {
      if (!schema.isObject()) {
        return null;
      }
      QuickSchema quick = new QuickSchema();
      for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        JsonNode value = entry.getValue();
        switch (entry.getKey()) {
          case "type":
            quick.types = types(value);
            if (quick.types == 0) {
              return null;
            }
            break;
          case "required":
            if (!value.isArray()) {
              return null;
            }
            List<String> names = new ArrayList<>();
            for (JsonNode name : value) {
              if (!name.isTextual()) {
                return null;
              }
              names.add(name.textValue());
            }
            quick.required = names.toArray(new String[0]);
            break;
          case "properties":
            if (!value.isObject()) {
              return null;
            }
            List<String> keys = new ArrayList<>();
            List<QuickSchema> schemas = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> p = value.fields(); p.hasNext(); ) {
              Map.Entry<String, JsonNode> property = p.next();
              QuickSchema child = compile(property.getValue(), false);
              if (child == null) {
                return null;
              }
              keys.add(property.getKey());
              schemas.add(child);
            }
            quick.propertyNames = keys.toArray(new String[0]);
            quick.propertySchemas = schemas.toArray(new QuickSchema[0]);
            break;
          case "additionalProperties":
            if (!(value.isBoolean() && value.booleanValue())) {
              return null;
            }
            break;
          case "pattern":
            if (!value.isTextual() || value.textValue().isEmpty()) {
              return null;
            }
            // As networknt's JDKRegularExpression: find(), with ^ and $ held to the ends.
            String regex = value.textValue();
            quick.patternStartAnchor = regex.charAt(0) == '^';
            quick.patternEndAnchor = regex.charAt(regex.length() - 1) == '$';
            if (quick.patternEndAnchor) {
              regex = regex.substring(quick.patternStartAnchor ? 1 : 0, regex.length() - 1);
              regex = "(" + regex + ")$";
              if (quick.patternStartAnchor) {
                regex = "^" + regex;
              }
            }
            quick.pattern = Pattern.compile(regex);
            break;
          case "minLength":
          case "maxLength":
            if (!value.canConvertToExactIntegral()) {
              return null;
            }
            if (entry.getKey().equals("minLength")) {
              quick.minLength = value.intValue();
            } else {
              quick.maxLength = value.intValue();
            }
            break;
          case "format":
            if ("date-time".equals(value.textValue())) {
              quick.dateTime = true;
            } else if ("uri-reference".equals(value.textValue())) {
              quick.uriReference = true;
            } else {
              return null;
            }
            break;
          case "$id":
          case "$schema":
            if (!root) {
              return null;
            }
            break;
          default:
            if (!ANNOTATIONS.contains(entry.getKey())) {
              return null;
            }
        }
      }
      return quick;
    }

    private static int types(JsonNode type) {
      if (type.isTextual()) {
        return type(type.textValue());
      }
      if (!type.isArray() || type.isEmpty()) {
        return 0;
      }
      int all = 0;
      for (JsonNode t : type) {
        int one = t.isTextual() ? type(t.textValue()) : 0;
        if (one == 0) {
          return 0;
        }
        all |= one;
      }
      return all;
    }

    private static int type(String name) {
      switch (name) {
        case "string":
          return STRING;
        case "integer":
          return INTEGER;
        case "number":
          return NUMBER | INTEGER; // an integer is a number
        case "boolean":
          return BOOLEAN;
        case "null":
          return NULL;
        case "object":
          return OBJECT;
        case "array":
          return ARRAY;
        default:
          return 0;
      }
    }

    /** The JSON type networknt gives the node, as a bit; 0 when not one of the plain ones. */
    private static int typeOf(JsonNode node) {
      if (node.isObject()) {
        return OBJECT;
      }
      if (node.isArray()) {
        return ARRAY;
      }
      if (node.isTextual()) {
        return STRING;
      }
      if (node.isIntegralNumber()) {
        return INTEGER;
      }
      if (node.isNumber()) {
        return NUMBER;
      }
      if (node.isBoolean()) {
        return BOOLEAN;
      }
      return node.isNull() ? NULL : 0;
    }

    boolean surelyValid(JsonNode node) {
      int type = typeOf(node);
      if (type == 0 || (types & type) == 0) {
        return false;
      }
      if (type == OBJECT) {
        for (String name : required) {
          if (node.get(name) == null) {
            return false;
          }
        }
        for (int i = 0; i < propertyNames.length; i++) {
          JsonNode value = node.get(propertyNames[i]);
          if (value != null && !propertySchemas[i].surelyValid(value)) {
            return false;
          }
        }
      } else if (type == STRING) {
        String text = node.textValue();
        if (minLength > Integer.MIN_VALUE || maxLength < Integer.MAX_VALUE) {
          int length = text.codePointCount(0, text.length());
          if (length < minLength || length > maxLength) {
            return false;
          }
        }
        if (pattern != null) {
          Matcher matcher = pattern.matcher(text);
          if (!matcher.find()
              || (patternStartAnchor && matcher.start() != 0)
              || (patternEndAnchor && matcher.end() != text.length())) {
            return false;
          }
        }
        if (dateTime && EventTimes.parseCommonForm(text) == EventTimes.NOT_COMMON) {
          return false;
        }
        if (uriReference && !isUri(text)) {
          return false;
        }
      }
      return true;
    }

    private static boolean isUri(String text) {
      try {
        new URI(text);
        return true;
      } catch (URISyntaxException e) {
        return false;
      }
    }
  }

  private static DeadLetter.Violation violation(String path, ErrorCode code, String reason) {
    return DeadLetter.Violation.create(path, code.name(), reason);
  }

  /** What the rules decided for one event. */
  @AutoValue
  public abstract static class Verdict {

    static Verdict valid(Instant eventTime, @Nullable String eventId, boolean unknownFields) {
      return new AutoValue_EventRules_Verdict(
          null, "", List.of(), eventTime, eventId, unknownFields);
    }

    static Verdict failure(
        ErrorCode code,
        String message,
        List<DeadLetter.Violation> violations,
        @Nullable Instant eventTime,
        @Nullable String eventId) {
      return new AutoValue_EventRules_Verdict(code, message, violations, eventTime, eventId, false);
    }

    /** Why the event is refused; null when it is valid. */
    public abstract @Nullable ErrorCode getCode();

    /** A summary written by streamy (paths and rules, never values); empty when valid. */
    public abstract String getMessage();

    /** Every field-level violation, sorted by path; empty when valid. */
    public abstract List<DeadLetter.Violation> getViolations();

    /** The event time; always set when valid, null when it could not be read. */
    public abstract @Nullable Instant getEventTime();

    public abstract @Nullable String getEventId();

    /** Whether a valid event carries fields its schema does not declare (schema drift). */
    public abstract boolean hasUnknownFields();

    public boolean isValid() {
      return getCode() == null;
    }

    @Override
    public String toString() {
      return isValid()
          ? "Verdict{valid " + getEventTime() + "}"
          : "Verdict{" + getCode() + " " + getViolations() + "}";
    }
  }
}
