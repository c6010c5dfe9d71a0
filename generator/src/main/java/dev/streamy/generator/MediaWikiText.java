package dev.streamy.generator;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** MediaWiki's text conventions the events follow: title URLs, parsed comments, namespace names. */
final class MediaWikiText {

  /** English names of the namespaces a wiki's profile may leave out. */
  static final Map<Integer, String> CANONICAL_NAMESPACES =
      Map.ofEntries(
          Map.entry(1, "Talk"),
          Map.entry(2, "User"),
          Map.entry(3, "User talk"),
          Map.entry(4, "Project"),
          Map.entry(5, "Project talk"),
          Map.entry(6, "File"),
          Map.entry(7, "File talk"),
          Map.entry(8, "MediaWiki"),
          Map.entry(10, "Template"),
          Map.entry(11, "Template talk"),
          Map.entry(12, "Help"),
          Map.entry(14, "Category"),
          Map.entry(15, "Category talk"),
          Map.entry(100, "Portal"),
          Map.entry(118, "Draft"),
          Map.entry(828, "Module"));

  private static final Pattern AUTOCOMMENT = Pattern.compile("/\\* (.*?) \\*/");
  private static final Pattern LINK = Pattern.compile("\\[\\[([^\\]|]+)(?:\\|([^\\]]*))?\\]\\]");

  private MediaWikiText() {}

  /** MediaWiki-style title URL path: spaces become underscores, the rest is percent-encoded. */
  static String encodeTitle(String title) {
    StringBuilder out = new StringBuilder();
    for (byte b : title.replace(' ', '_').getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "-._~:/,()!*;@$".indexOf(c) >= 0) {
        out.append((char) c);
      } else {
        out.append('%').append(String.format(Locale.ROOT, "%02X", c));
      }
    }
    return out.toString();
  }

  /** A plausible {@code parsedcomment}: the comment as MediaWiki's simple HTML. */
  static String parseComment(String comment) {
    String html =
        comment
            .replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("\"", "&quot;");
    Matcher auto = AUTOCOMMENT.matcher(html);
    html =
        auto.replaceAll(
            m ->
                Matcher.quoteReplacement(
                    "<span dir=\"auto\"><span class=\"autocomment\">"
                        + m.group(1)
                        + "</span></span>"));
    Matcher link = LINK.matcher(html);
    return link.replaceAll(
        m -> {
          String target = m.group(1).startsWith(":") ? m.group(1).substring(1) : m.group(1);
          String label = m.group(2) != null ? m.group(2) : target;
          return Matcher.quoteReplacement(
              "<a href=\"/wiki/"
                  + encodeTitle(target)
                  + "\" title=\""
                  + target
                  + "\">"
                  + label
                  + "</a>");
        });
  }

  static String capitalize(String word) {
    return word.isEmpty()
        ? word
        : word.substring(0, 1).toUpperCase(Locale.ROOT) + word.substring(1);
  }
}
