package dev.streamy.generator;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Events in bytes that are not plain UTF-8 ({@code ENCODING_ERROR}): {@link
 * EventFactory.Kind#INVALID_UTF8}, {@link EventFactory.Kind#UTF8_BOM} and {@link
 * EventFactory.Kind#UTF16}.
 */
final class EncodingErrors {

  private static final String INVALID_MARKER = "@@streamy-invalid-utf8@@";

  private EncodingErrors() {}

  /** An invalid UTF-8 byte sequence inside the comment string. */
  static byte[] invalidUtf8(Draft draft, SplittableRandom random) {
    draft.event().put("comment", draft.event().path("comment").asText() + " " + INVALID_MARKER);
    byte[] json = draft.json();
    byte[][] sequences = {
      bytes(0xFF), // never valid in UTF-8
      bytes(0x80), // a continuation byte with no lead byte
      bytes(0xC0, 0xAF), // overlong encoding of '/'
      bytes(0xE2, 0x82), // a 3-byte sequence cut short (an ASCII space follows)
      bytes(0xED, 0xA0, 0x80), // a UTF-16 surrogate (U+D800) encoded as UTF-8: CESU, not UTF-8
      bytes(0xF8, 0x88, 0x80, 0x80, 0x80), // a 5-byte form, outlawed since RFC 3629
    };
    byte[] bad = sequences[random.nextInt(sequences.length)];
    byte[] marker = INVALID_MARKER.getBytes(StandardCharsets.US_ASCII);
    int at = indexOf(json, marker);
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length);
    out.write(json, 0, at);
    out.writeBytes(bad);
    out.write(' ');
    out.write(json, at + marker.length, json.length - at - marker.length);
    return out.toByteArray();
  }

  /** The event after a UTF-8 byte-order mark. */
  static byte[] utf8Bom(Draft draft) {
    return concat(bytes(0xEF, 0xBB, 0xBF), draft.json());
  }

  /** The event as UTF-16: big-endian with a BOM, little-endian with one, or without. */
  static byte[] utf16(Draft draft, SplittableRandom random) {
    String text = draft.text();
    return switch (random.nextInt(3)) {
      case 0 -> concat(bytes(0xFE, 0xFF), text.getBytes(StandardCharsets.UTF_16BE));
      case 1 -> concat(bytes(0xFF, 0xFE), text.getBytes(StandardCharsets.UTF_16LE));
      default -> text.getBytes(StandardCharsets.UTF_16LE);
    };
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalStateException("marker not found");
  }
}
