package dev.streamy.templates;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamy.options.TemplateParameter;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * Template metadata in the Dataflow Flex template format, read by reflection from the getters an
 * options interface declares (not the ones it inherits from Beam's {@code PipelineOptions}).
 */
public final class TemplateMetadata {

  static final String INTEGER = "^-?[0-9]+$";
  static final String DECIMAL = "^-?[0-9]+([.][0-9]+)?$";
  static final String BOOLEAN = "^(true|false)$";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TemplateMetadata() {}

  /**
   * The parameters of {@code options} and of the streamy options interfaces it extends (such as
   * {@code KafkaOptions}), never Beam's own, sorted by their {@code order}, then by name.
   */
  public static List<Parameter> parameters(Class<?> options) {
    List<Parameter> parameters = new ArrayList<>();
    for (Class<?> declaring : streamyInterfaces(options)) {
      for (Method method : declaring.getDeclaredMethods()) {
        String name = optionName(method);
        if (name != null) {
          parameters.add(parameter(name, method));
        }
      }
    }
    parameters.sort(Comparator.comparingInt(Parameter::order).thenComparing(Parameter::name));
    return parameters;
  }

  /** {@code options} and every interface it extends that is streamy's, each once. */
  private static java.util.Set<Class<?>> streamyInterfaces(Class<?> options) {
    java.util.Set<Class<?>> found = new java.util.LinkedHashSet<>();
    java.util.ArrayDeque<Class<?>> pending = new java.util.ArrayDeque<>(List.of(options));
    while (!pending.isEmpty()) {
      Class<?> next = pending.removeFirst();
      if (next.getName().startsWith("dev.streamy.") && found.add(next)) {
        pending.addAll(List.of(next.getInterfaces()));
      }
    }
    return found;
  }

  /** {@code getBootstrapServers} -> {@code bootstrapServers}; null when not a getter. */
  static @Nullable String optionName(Method method) {
    if (method.getParameterCount() != 0
        || method.getReturnType() == void.class
        || Modifier.isStatic(method.getModifiers())
        || method.isDefault()
        || method.isSynthetic()) {
      return null;
    }
    String name = method.getName();
    int prefix =
        name.startsWith("get")
            ? 3
            : name.startsWith("is") && isBoolean(method.getReturnType()) ? 2 : 0;
    if (prefix == 0 || name.length() == prefix) {
      return null;
    }
    return Character.toLowerCase(name.charAt(prefix)) + name.substring(prefix + 1);
  }

  private static Parameter parameter(String name, Method getter) {
    TemplateParameter annotation = getter.getAnnotation(TemplateParameter.class);
    Class<?> javaType = getter.getReturnType();
    Description description = getter.getAnnotation(Description.class);
    List<String> values = enumValues(annotation, javaType);
    String type = type(annotation, javaType, values);
    List<String> regexes = new ArrayList<>();
    if (annotation != null && annotation.regexes().length > 0) {
      regexes.addAll(Arrays.asList(annotation.regexes()));
    } else if (!values.isEmpty()) {
      regexes.add("^(" + String.join("|", values) + ")$");
    } else if (type.equals("BOOLEAN")) {
      regexes.add(BOOLEAN);
    } else if (type.equals("NUMBER")) {
      regexes.add(Parameter.isInteger(javaType) ? INTEGER : DECIMAL);
    }
    return Parameter.builder()
        .setName(name)
        .setLabel(
            annotation != null && !annotation.label().isEmpty() ? annotation.label() : label(name))
        .setHelpText(description == null ? "" : description.value())
        .setOptional(getter.getAnnotation(Validation.Required.class) == null)
        .setRegexes(regexes)
        .setType(type)
        .setEnumValues(values)
        .setGroup(annotation == null || annotation.group().isEmpty() ? null : annotation.group())
        .setDefaultValue(defaultValue(getter))
        .setExample(
            annotation == null || annotation.example().isEmpty() ? null : annotation.example())
        .setJavaType(javaType)
        .setOrder(annotation == null ? 1000 : annotation.order())
        .build();
  }

  /** {@code bootstrapServers} -> {@code Bootstrap servers}. */
  static String label(String name) {
    StringBuilder label = new StringBuilder().append(Character.toUpperCase(name.charAt(0)));
    for (char c : name.substring(1).toCharArray()) {
      if (Character.isUpperCase(c)) {
        label.append(' ').append(Character.toLowerCase(c));
      } else {
        label.append(c);
      }
    }
    return label.toString();
  }

  private static List<String> enumValues(@Nullable TemplateParameter annotation, Class<?> type) {
    if (annotation != null && annotation.values().length > 0) {
      return List.of(annotation.values());
    }
    if (type.isEnum()) {
      return Arrays.stream(type.getEnumConstants()).map(c -> ((Enum<?>) c).name()).toList();
    }
    return List.of();
  }

  private static String type(
      @Nullable TemplateParameter annotation, Class<?> javaType, List<String> values) {
    if (annotation != null && annotation.type() != TemplateParameter.Type.DERIVED) {
      return annotation.type().name();
    }
    if (!values.isEmpty()) {
      return "ENUM";
    }
    if (isBoolean(javaType)) {
      return "BOOLEAN";
    }
    if (Parameter.isInteger(javaType)
        || javaType == double.class
        || javaType == Double.class
        || javaType == float.class
        || javaType == Float.class) {
      return "NUMBER";
    }
    return "TEXT";
  }

  private static boolean isBoolean(Class<?> type) {
    return type == boolean.class || type == Boolean.class;
  }

  /** The value of the getter's {@code @Default.*} annotation as text; null when it has none. */
  private static @Nullable String defaultValue(Method getter) {
    for (Annotation annotation : getter.getAnnotations()) {
      Class<? extends Annotation> kind = annotation.annotationType();
      if (kind.getEnclosingClass() != Default.class || kind == Default.InstanceFactory.class) {
        continue;
      }
      try {
        Object value = kind.getMethod("value").invoke(annotation);
        if (annotation instanceof Default.Enum) {
          return String.valueOf(value).toLowerCase(java.util.Locale.ROOT); // as users write it
        }
        return value instanceof Class<?> c ? c.getName() : String.valueOf(value);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("@Default." + kind.getSimpleName() + " has a value()", e);
      }
    }
    return null;
  }

  /** The {@code metadata.json} of {@code template}: pretty-printed, with a trailing newline. */
  public static String json(Template template) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("name", template.name());
    root.put("description", template.description());
    root.put("streaming", template.streaming());
    ArrayNode parameters = root.putArray("parameters");
    for (Parameter parameter : template.parameters()) {
      ObjectNode node = parameters.addObject();
      node.put("name", parameter.name());
      node.put("label", parameter.label());
      node.put("helpText", parameter.helpText());
      node.put("isOptional", parameter.optional());
      if (!parameter.regexes().isEmpty()) {
        parameter.regexes().forEach(node.putArray("regexes")::add);
      }
      node.put("paramType", parameter.type());
      if (!parameter.enumValues().isEmpty()) {
        ArrayNode options = node.putArray("enumOptions");
        parameter.enumValues().forEach(value -> options.addObject().put("value", value));
      }
      if (parameter.group() != null) {
        node.put("groupName", parameter.group());
      }
      if (parameter.defaultValue() != null) {
        node.put("defaultValue", parameter.defaultValue());
      }
    }
    try {
      return MAPPER.writer(new Printer()).writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings always serializes", e);
    }
  }

  /** Two-space indents, {@code "key": value}, and '\n' on every platform. */
  private static final class Printer extends DefaultPrettyPrinter {
    Printer() {
      DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
      indentObjectsWith(indenter);
      indentArraysWith(indenter);
    }

    @Override
    public Printer createInstance() {
      return new Printer();
    }

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(": ");
    }
  }
}
