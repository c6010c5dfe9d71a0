package dev.streamy.options;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.annotation.Nullable;

/**
 * Reads enum-typed options the way users type them: {@code --sink=both} as well as {@code
 * --sink=BOTH}. An enum used as an option type calls {@link #parse} from its {@code @JsonCreator}
 * (Beam reads option values with Jackson) and returns {@link #text} from its {@code @JsonValue}.
 */
public final class Choices {

  private Choices() {}

  /**
   * The constant of {@code type} named {@code text}, ignoring case and surrounding blanks.
   *
   * @throws IllegalArgumentException one line naming {@code --option}, the value and the choices:
   *     {@code --sink=delta: use parquet, iceberg or both}
   */
  public static <E extends Enum<E>> E parse(Class<E> type, String option, @Nullable String text) {
    String wanted = text == null ? "" : text.trim();
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(wanted)) {
        return constant;
      }
    }
    throw new IllegalArgumentException("--" + option + "=" + text + ": use " + allowed(type));
  }

  /** How users write {@code choice}: its name in lower case. */
  public static String text(Enum<?> choice) {
    return choice.name().toLowerCase(Locale.ROOT);
  }

  /** {@code parquet, iceberg or both}. */
  static String allowed(Class<? extends Enum<?>> type) {
    List<String> names =
        Arrays.stream(type.getEnumConstants()).map(Choices::text).collect(Collectors.toList());
    int last = names.size() - 1;
    return last == 0
        ? names.get(0)
        : String.join(", ", names.subList(0, last)) + " or " + names.get(last);
  }
}
