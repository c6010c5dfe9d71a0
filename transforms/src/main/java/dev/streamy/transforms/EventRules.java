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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
  }

  private void compilePattern(String regex) {
    patternProperties.computeIfAbsent(regex, Pattern::compile);
  }

  /** Checks one event against the contract, taking {@code now} as the processing time. */
  public Verdict check(JsonNode event, Instant now) {
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

    List<DeadLetter.Violation> violations = schemaViolations(event);
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
    return Verdict.valid(eventTime, eventId, hasUnknownFields(event, schemaNode));
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
    List<DeadLetter.Violation> found = new ArrayList<>();
    for (Contract.Column column : contract.getColumns()) {
      JsonNode value = JsonPaths.at(event, column.getPath());
      String path = JsonPaths.dotted(column.getPath());
      if (value == null || flagged.contains(path)) {
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
   * Whether the event has a key that an object schema with {@code properties} does not declare (nor
   * match by {@code patternProperties}), at any level the schema describes.
   */
  private boolean hasUnknownFields(JsonNode node, JsonNode nodeSchema) {
    if (node.isObject() && nodeSchema.path("properties").isObject()) {
      JsonNode properties = nodeSchema.get("properties");
      JsonNode patterns = nodeSchema.path("patternProperties");
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        JsonNode fieldSchema = properties.get(field.getKey());
        if (fieldSchema == null) {
          if (!matchesPattern(field.getKey(), patterns)) {
            return true;
          }
        } else if (hasUnknownFields(field.getValue(), fieldSchema)) {
          return true;
        }
      }
    } else if (node.isArray() && nodeSchema.path("items").isObject()) {
      for (JsonNode item : node) {
        if (hasUnknownFields(item, nodeSchema.get("items"))) {
          return true;
        }
      }
    }
    return false;
  }

  private boolean matchesPattern(String key, JsonNode patterns) {
    for (Iterator<String> it = patterns.fieldNames(); it.hasNext(); ) {
      Pattern pattern = patternProperties.get(it.next());
      if (pattern != null && pattern.matcher(key).find()) {
        return true;
      }
    }
    return false;
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
