package dev.streamy.generator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.streamy.generator.EventFactory.Kind;
import dev.streamy.generator.Ledger.Entry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The ledger's line format, which integration checkers read. */
public class LedgerTest {

  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void writesTheDocumentedLines() throws IOException {
    Path path = tmp.getRoot().toPath().resolve("sub/ledger.ndjson");
    List<Entry> entries =
        List.of(
            Entry.of(0, 17, Kind.GOOD, "0416300b-980c-45bb-b0a2-c9d7a9e2b7eb"),
            Entry.create(2, 0, Kind.DUPLICATE, "DEDUPED", "0416300b-980c-45bb-b0a2-c9d7a9e2b7eb"),
            Entry.of(1, 5, Kind.TOMBSTONE, null),
            Entry.of(1, 6, Kind.ID_NOT_UUID, "evt-\"quoted\"\\"));
    try (Ledger.Writer writer = Ledger.create(path)) {
      for (Entry entry : entries) {
        writer.append(entry);
      }
    }
    List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    assertEquals(
        "{\"partition\":0,\"offset\":17,\"kind\":\"GOOD\",\"expected\":\"EVENT\","
            + "\"eventId\":\"0416300b-980c-45bb-b0a2-c9d7a9e2b7eb\"}",
        lines.get(0));
    assertEquals(
        "{\"partition\":1,\"offset\":5,\"kind\":\"TOMBSTONE\",\"expected\":\"DLQ:EMPTY_PAYLOAD\","
            + "\"eventId\":null}",
        lines.get(2));
    assertThat(lines.get(1), containsString("\"expected\":\"DEDUPED\""));
    assertEquals(entries, Ledger.read(path));
    assertEquals(Kind.TOMBSTONE.expected(), Ledger.read(path).get(2).expectedOutcome());
  }

  @Test
  public void refusesAMalformedExpectation() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Entry.create(0, 0, Kind.GOOD, "DLQ:NOT_A_CODE", null));
  }

  @Test
  public void namesTheBrokenLine() throws IOException {
    Path path = tmp.newFile("bad.ndjson").toPath();
    Files.writeString(path, Entry.of(0, 1, Kind.GOOD, "x").toJson() + "\n{oops\n");
    IOException e = assertThrows(IOException.class, () -> Ledger.read(path));
    assertThat(e.getMessage(), containsString("bad.ndjson:2"));
  }
}
