package dev.streamy.io;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamy.transforms.EventTimes;
import dev.streamy.transforms.JsonPaths;
import dev.streamy.transforms.testing.RealEvents;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class EventTimeScannerTest {

  private static final EventTimeScanner META_DT = EventTimeScanner.of(List.of("meta", "dt"));
  private static final Instant T = Instant.parse("2024-08-22T13:00:05Z");

  private static Instant scan(String json) {
    return META_DT.scan(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  public void findsNestedField() {
    assertEquals(T, scan("{\"meta\":{\"dt\":\"2024-08-22T13:00:05Z\"}}"));
    assertEquals(T, scan("{\"meta\":{\"dt\":\"2024-08-22T15:00:05+02:00\",\"id\":\"x\"}}"));
  }

  @Test
  public void skipsOtherFieldsAndTheirChildren() {
    assertEquals(
        T,
        scan(
            "{\"a\":[1,{\"meta\":{\"dt\":\"1999-01-01T00:00:00Z\"}}],\"dt\":\"2000-01-01T00:00:00Z\","
                + "\"x\":{\"meta\":{\"dt\":\"2001-01-01T00:00:00Z\"}},"
                + "\"meta\":{\"other\":{\"dt\":\"2002-01-01T00:00:00Z\"},\"dt\":\"2024-08-22T13:00:05Z\"}}"));
  }

  @Test
  public void stopsAtTheFirstMatchEvenIfTheRestIsBroken() {
    assertEquals(T, scan("{\"meta\":{\"dt\":\"2024-08-22T13:00:05Z\"}, this is not json"));
  }

  @Test
  public void absentOrUnusableGivesNull() {
    assertNull(scan("{}"));
    assertNull(scan("{\"meta\":{}}"));
    assertNull(scan("{\"meta\":{\"dt\":null}}"));
    assertNull(scan("{\"meta\":{\"dt\":1724331605000}}"));
    assertNull(scan("{\"meta\":{\"dt\":\"yesterday\"}}"));
    assertNull(scan("{\"meta\":{\"dt\":\"2024-08-22T13:00:05\"}}")); // no zone
    assertNull(scan("{\"meta\":{\"dt\":{\"v\":\"2024-08-22T13:00:05Z\"}}}"));
    assertNull(scan("{\"meta\":\"2024-08-22T13:00:05Z\"}"));
    assertNull(scan("{\"meta\":[{\"dt\":\"2024-08-22T13:00:05Z\"}]}"));
  }

  @Test
  public void neverThrowsOnBadInput() {
    assertNull(META_DT.scan(null));
    assertNull(META_DT.scan(new byte[0]));
    assertNull(scan("not json"));
    assertNull(scan("[{\"meta\":{\"dt\":\"2024-08-22T13:00:05Z\"}}]"));
    assertNull(scan("\"2024-08-22T13:00:05Z\""));
    assertNull(scan("{\"meta\":{\"d"));
    assertNull(scan("{\"meta\":"));
    assertNull(META_DT.scan(new byte[] {(byte) 0x1f, (byte) 0x8b, 8, 0, 0}));
    assertNull(META_DT.scan(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 0}));
    assertNull(scan("{\"meta\":{\"dt\":\"2024-08-22T13:00:05Z" + "x".repeat(100) + "\"}}"));
    assertNull(scan("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}"));
  }

  @Test
  public void agreesWithATreeParseOnEveryRealEvent() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<byte[]> lines = RealEvents.lines();
    assertEquals(RealEvents.COUNT, lines.size());
    int found = 0;
    for (byte[] line : lines) {
      JsonNode dt = JsonPaths.at(mapper.readTree(line), List.of("meta", "dt"));
      Instant expected = dt == null || !dt.isTextual() ? null : EventTimes.parse(dt.asText());
      assertEquals(new String(line, StandardCharsets.UTF_8), expected, META_DT.scan(line));
      found += expected == null ? 0 : 1;
    }
    assertEquals(RealEvents.COUNT, found);
  }

  @Test
  public void rejectsEmptyPath() {
    assertThrows(IllegalArgumentException.class, () -> EventTimeScanner.of(List.of()));
  }
}
