package dev.streamy.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.annotation.Nullable;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions.StandardMoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * Writes windowed {@link Row}s as typed Parquet files, one set of files per window and pane, under
 * folders of the window start's UTC date and hour (see {@link WindowedFileNaming}):
 *
 * <pre>
 * &lt;directory&gt;/date=2024-08-22/hour=13/&lt;prefix&gt;-20240822T1300Z-20240822T1301Z-pane-0-shard-00000-of-00001.parquet
 * </pre>
 *
 * <p>Rows are written as they arrive, never held in state: each bundle writes the rows of each
 * window into a temporary file of its own under {@code <directory>/}{@value #TEMP_FOLDER} and
 * closes it when the bundle ends (on Flink, at the latest before a checkpoint completes, so a
 * restored job never depends on an unclosed file). Only the names and sizes of the closed files
 * pass a GroupByKey; when the watermark passes the window's end (and again for each late file
 * within the allowed lateness) the pane's files are published: merged, row group by row group
 * without decoding a row (or, when they are small, record by record into fresh row groups), into
 * files of up to {@link #withTargetFileSize target size}, under names made from the window, the
 * pane and the file's place in the pane. On Flink a pane is published once the checkpoint that
 * holds its file list completes ({@code @RequiresStableInput}); a restored job publishes that same
 * list again or a pane it never published. Publishing is idempotent: the same list gives the same
 * names, and a published name is never rewritten. Temporary files of a bundle that failed are left
 * where they are, under {@value #TEMP_FOLDER}, and never published.
 *
 * <p>Each published pane ends with its manifest, {@code _<prefix>-<window>-pane-<n>.manifest.json}
 * beside its files (see {@link #writeManifest}): written last, atomically, it lists the pane's
 * files with their bytes and rows, so a reader can tell a complete window (its on-time pane has a
 * manifest) from one still open, and read exactly the files of a pane.
 *
 * <p>Rows become Parquet records with the column types of Beam's {@code ParquetIO} (through Avro):
 * DATETIME to a UTC timestamp (millis), INT64 to int64, BYTES to binary, nested rows to groups and
 * arrays to standard 3-level lists. The input must be in windows that close (fixed windows, or a
 * bounded input): the files of a pane are published when the watermark passes the window's end. The
 * result holds the published files' names.
 */
@AutoValue
public abstract class WriteParquet extends PTransform<PCollection<Row>, PCollection<String>> {

  /** Folder under the output directory for files still being written or not yet published. */
  public static final String TEMP_FOLDER = ".streamy-temp";

  /** Size a published file grows to before the pane's next file starts, by default. */
  public static final long DEFAULT_TARGET_FILE_BYTES = 128L * 1024 * 1024;

  /**
   * How long after a window's allowed lateness the publisher still takes its files: a closed file
   * is reported when its bundle ends, which can be after the watermark has moved on.
   */
  static final Duration LATE_FILE_HORIZON = Duration.standardDays(7);

  /**
   * Temporary files smaller than this on average are joined row by row into fresh row groups rather
   * than by copying their row groups: a runner that hands the writer tiny bundles (the
   * DirectRunner) would otherwise leave a published file of thousands of tiny row groups.
   */
  static final long SMALL_FILE_BYTES = 64 * 1024;

  private static final String SUFFIX = ".parquet";
  private static final String IN_PROGRESS = ".inprogress";

  /**
   * Writes rows of {@code schema} under {@code directory}: a local folder or any Beam FileSystem
   * path (e.g. {@code gs://bucket/events}).
   */
  public static WriteParquet to(String directory, Schema schema) {
    if (directory == null || directory.isBlank()) {
      throw new IllegalArgumentException("directory must not be empty");
    }
    return new AutoValue_WriteParquet.Builder()
        .setDirectory(directory)
        .setSchema(schema)
        .setTargetFileBytes(DEFAULT_TARGET_FILE_BYTES)
        .setPrefix("part")
        .build();
  }

  abstract String getDirectory();

  abstract Schema getSchema();

  abstract long getTargetFileBytes();

  abstract String getPrefix();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setDirectory(String directory);

    abstract Builder setSchema(Schema schema);

    abstract Builder setTargetFileBytes(long targetFileBytes);

    abstract Builder setPrefix(String prefix);

    abstract WriteParquet build();
  }

  /**
   * Publishes each pane in files of up to {@code bytes} (a pane smaller than that is one file; one
   * temporary file larger than that stays whole).
   */
  public WriteParquet withTargetFileSize(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("target file size must be positive: " + bytes);
    }
    return toBuilder().setTargetFileBytes(bytes).build();
  }

  /** Starts every file name with {@code prefix} (see {@link WindowedFileNaming}). */
  public WriteParquet withPrefix(String prefix) {
    WindowedFileNaming.of(prefix, SUFFIX); // validates
    return toBuilder().setPrefix(prefix).build();
  }

  @Override
  public PCollection<String> expand(PCollection<Row> input) {
    Schema schema = getSchema();
    if (input.hasSchema() && !input.getSchema().assignableTo(schema)) {
      throw new IllegalArgumentException(
          "Rows of schema " + input.getSchema() + " cannot be written as " + schema);
    }
    Duration lateness = input.getWindowingStrategy().getAllowedLateness().plus(LATE_FILE_HORIZON);
    KvCoder<String, Long> fileCoder = KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of());
    return input
        .apply("WriteTempFiles", ParDo.of(new WriteTempFilesFn(getDirectory(), schema)))
        .setCoder(fileCoder)
        .apply("KeyByDirectory", WithKeys.<String, KV<String, Long>>of(getDirectory()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), fileCoder))
        .apply(
            "PaneOfFiles",
            Window.<KV<String, KV<String, Long>>>configure()
                .triggering(
                    AfterWatermark.pastEndOfWindow()
                        .withLateFirings(AfterPane.elementCountAtLeast(1)))
                .withAllowedLateness(lateness)
                .discardingFiredPanes())
        .apply("GroupPaneFiles", GroupByKey.create())
        .apply(
            "PublishFiles",
            ParDo.of(
                new PublishFilesFn(
                    getDirectory(),
                    WindowedFileNaming.of(getPrefix(), SUFFIX),
                    getTargetFileBytes())))
        .setCoder(StringUtf8Coder.of());
  }

  /**
   * Writes each bundle's rows of each window into a temporary file of their own and, when the
   * bundle ends, closes the files and reports each (name and size) in its window.
   */
  private static final class WriteTempFilesFn extends DoFn<Row, KV<String, Long>> {
    private final Counter rowsWritten = Metrics.counter(WriteParquet.class, "rows_written");
    private final String directory;
    private final Schema schema;
    private transient @Nullable Map<BoundedWindow, TempFile> open;

    WriteTempFilesFn(String directory, Schema schema) {
      this.directory = directory;
      this.schema = schema;
    }

    @StartBundle
    public void startBundle() {
      open = new HashMap<>();
    }

    @ProcessElement
    public void process(@Element Row row, BoundedWindow window) throws IOException {
      TempFile file = open.get(window);
      if (file == null) {
        file = TempFile.create(tempFolder(directory), sink(schema));
        open.put(window, file);
      }
      file.write(row);
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) throws IOException {
      for (Map.Entry<BoundedWindow, TempFile> entry : open.entrySet()) {
        TempFile file = entry.getValue();
        long bytes = file.close();
        rowsWritten.inc(file.rows);
        BoundedWindow window = entry.getKey();
        context.output(KV.of(file.id.toString(), bytes), window.maxTimestamp(), window);
      }
      open.clear();
    }

    /** A bundle that failed leaves its files unpublished; only the channels are released. */
    @Teardown
    public void teardown() {
      if (open != null) {
        open.values().forEach(TempFile::abandon);
        open.clear();
      }
    }
  }

  private static ResourceId tempFolder(String directory) {
    return FileSystems.matchNewResource(directory, true)
        .resolve(TEMP_FOLDER, StandardResolveOptions.RESOLVE_DIRECTORY);
  }

  /** One temporary file being written, with the bytes and rows written so far. */
  private static final class TempFile {
    final ResourceId id;
    private final FileIO.Sink<Row> sink;
    private final CountingChannel channel;
    long rows;

    private TempFile(ResourceId id, FileIO.Sink<Row> sink, CountingChannel channel) {
      this.id = id;
      this.sink = sink;
      this.channel = channel;
    }

    static TempFile create(ResourceId folder, FileIO.Sink<Row> sink) throws IOException {
      ResourceId id =
          folder.resolve(
              UUID.randomUUID() + SUFFIX + IN_PROGRESS, StandardResolveOptions.RESOLVE_FILE);
      CountingChannel channel = new CountingChannel(FileSystems.create(id, MimeTypes.BINARY));
      sink.open(channel);
      return new TempFile(id, sink, channel);
    }

    void write(Row row) throws IOException {
      sink.write(row);
      rows++;
    }

    /** Ends the Parquet file and closes it; returns its length in bytes. */
    long close() throws IOException {
      sink.flush();
      channel.close();
      return channel.bytes;
    }

    void abandon() {
      try {
        channel.close();
      } catch (IOException | RuntimeException e) {
        // The file is never published; closing only releases the handle.
      }
    }
  }

  private static final class CountingChannel implements WritableByteChannel {
    private final WritableByteChannel delegate;
    long bytes;

    CountingChannel(WritableByteChannel delegate) {
      this.delegate = delegate;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int written = delegate.write(src);
      bytes += written;
      return written;
    }

    @Override
    public boolean isOpen() {
      return delegate.isOpen();
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }

  /**
   * Publishes one pane of one window: its temporary files, in name order, packed into files of up
   * to the target size; each group is merged into (or, alone, renamed to) its final name. Every
   * step can be repeated: a group whose final file exists is not written again, and missing
   * temporary files were already published.
   */
  private static final class PublishFilesFn
      extends DoFn<KV<String, Iterable<KV<String, Long>>>, String> {
    private final Counter filesPublished = Metrics.counter(WriteParquet.class, "files_published");
    private final Counter tempFilesMerged =
        Metrics.counter(WriteParquet.class, "temp_files_merged");
    private final String directory;
    private final WindowedFileNaming naming;
    private final long targetBytes;

    PublishFilesFn(String directory, WindowedFileNaming naming, long targetBytes) {
      this.directory = directory;
      this.naming = naming;
      this.targetBytes = targetBytes;
    }

    /**
     * Stable input: on Flink a pane's file list is published only once the checkpoint holding it
     * has completed, so a restored job publishes exactly the list it published before, or a pane
     * that was never published. Without it a pane refired after a restore could list other files
     * (rows replayed into new temporary files) than the one published before the failure.
     */
    @RequiresStableInput
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<KV<String, Long>>> pane,
        BoundedWindow window,
        PaneInfo paneInfo,
        OutputReceiver<String> out)
        throws IOException {
      List<KV<String, Long>> files = new ArrayList<>();
      pane.getValue().forEach(files::add);
      for (ResourceId published :
          publishPane(directory, naming, targetBytes, window, paneInfo, files)) {
        filesPublished.inc();
        out.output(published.toString());
      }
    }
  }

  /**
   * Publishes the temporary {@code files} (name and length) of one pane under {@code directory} and
   * returns the published files. Repeating it with the same arguments, after a failure at any point
   * or after success, ends with the same files and never rewrites a published one.
   */
  static List<ResourceId> publishPane(
      String directory,
      WindowedFileNaming naming,
      long targetBytes,
      BoundedWindow window,
      PaneInfo pane,
      List<KV<String, Long>> files)
      throws IOException {
    List<KV<String, Long>> sorted = new ArrayList<>(files);
    sorted.sort(Comparator.comparing(KV::getKey));
    List<List<KV<String, Long>>> groups = packBySize(sorted, targetBytes);
    ResourceId base = FileSystems.matchNewResource(directory, true);
    List<ResourceId> published = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      ResourceId target =
          base.resolve(
              naming.getFilename(window, pane, groups.size(), i, null),
              StandardResolveOptions.RESOLVE_FILE);
      publish(groups.get(i), target);
      published.add(target);
    }
    writeManifest(
        base.resolve(naming.manifestName(window, pane), StandardResolveOptions.RESOLVE_FILE),
        base,
        window,
        pane,
        published);
    return published;
  }

  /**
   * Writes the manifest of a published pane, last, once all its files are in place: the window, the
   * pane, and each file with its bytes, rows and, for events and dead letters, the Kafka offsets
   * its rows came from ({@code source_offsets}, see {@link SourceOffsets}; also for the whole
   * pane). A window whose on-time pane has a manifest is complete (late panes add files and a
   * manifest of their own); a pane without one is not published yet. Written under a temporary name
   * and renamed, so it is never seen half written; an existing manifest is left as it is (a
   * repeated publish lists the same files).
   */
  static void writeManifest(
      ResourceId manifest,
      ResourceId base,
      BoundedWindow window,
      PaneInfo pane,
      List<ResourceId> published)
      throws IOException {
    if (exists(manifest)) {
      return;
    }
    ResourceId writing =
        manifest
            .getCurrentDirectory()
            .resolve(manifest.getFilename() + IN_PROGRESS, StandardResolveOptions.RESOLVE_FILE);
    try (WritableByteChannel channel = FileSystems.create(writing, MimeTypes.TEXT);
        JsonGenerator json = new JsonFactory().createGenerator(Channels.newOutputStream(channel))) {
      json.useDefaultPrettyPrinter();
      json.writeStartObject();
      if (window instanceof IntervalWindow) {
        json.writeStringField("window_start", ((IntervalWindow) window).start().toString());
        json.writeStringField("window_end", ((IntervalWindow) window).end().toString());
      } else {
        json.writeStringField("window", WindowedFileNaming.labelOf(window));
      }
      json.writeNumberField("pane_index", pane.getIndex());
      json.writeStringField("pane_timing", pane.getTiming().name());
      json.writeArrayFieldStart("files");
      long rows = 0;
      @Nullable SourceOffsets paneOffsets = null;
      String prefix = base.toString();
      for (ResourceId file : published) {
        long bytes = FileSystems.matchSingleFileSpec(file.toString()).sizeBytes();
        long fileRows = ParquetFiles.rowCount(file, bytes);
        SourceOffsets offsets = ParquetFiles.sourceOffsets(file, bytes);
        rows += fileRows;
        String name = file.toString();
        json.writeStartObject();
        json.writeStringField(
            "path", name.startsWith(prefix) ? name.substring(prefix.length()) : name);
        json.writeNumberField("bytes", bytes);
        json.writeNumberField("rows", fileRows);
        if (offsets != null) {
          json.writeFieldName("source_offsets");
          offsets.write(json);
          paneOffsets = paneOffsets == null ? new SourceOffsets() : paneOffsets;
          paneOffsets.addAll(offsets);
        }
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeNumberField("rows", rows);
      if (paneOffsets != null) {
        json.writeFieldName("source_offsets");
        paneOffsets.write(json);
      }
      json.writeEndObject();
    }
    FileSystems.rename(List.of(writing), List.of(manifest));
  }

  private static void publish(List<KV<String, Long>> group, ResourceId target) throws IOException {
    List<ResourceId> sources = new ArrayList<>();
    List<Long> lengths = new ArrayList<>();
    for (KV<String, Long> file : group) {
      sources.add(FileSystems.matchNewResource(file.getKey(), false));
      lengths.add(file.getValue());
    }
    // A published file is complete (renames are atomic, a merge lands under its final name only
    // once written), so an existing one means an earlier attempt got this far.
    if (!exists(target)) {
      if (sources.size() == 1) {
        FileSystems.rename(sources, List.of(target));
      } else {
        ResourceId merging =
            target
                .getCurrentDirectory()
                .resolve(target.getFilename() + IN_PROGRESS, StandardResolveOptions.RESOLVE_FILE);
        long bytes = lengths.stream().mapToLong(Long::longValue).sum();
        if (bytes / sources.size() < SMALL_FILE_BYTES) {
          ParquetFiles.rewrite(sources, lengths, merging);
        } else {
          ParquetFiles.merge(sources, lengths, merging);
        }
        FileSystems.rename(List.of(merging), List.of(target));
      }
    }
    FileSystems.delete(sources, StandardMoveOptions.IGNORE_MISSING_FILES);
  }

  /**
   * Consecutive groups of files, each adding up to at most {@code targetBytes} unless it is a
   * single larger file; empty when there are no files.
   */
  static <T> List<List<KV<T, Long>>> packBySize(List<KV<T, Long>> files, long targetBytes) {
    List<List<KV<T, Long>>> groups = new ArrayList<>();
    List<KV<T, Long>> current = new ArrayList<>();
    long currentBytes = 0;
    for (KV<T, Long> file : files) {
      if (!current.isEmpty() && currentBytes + file.getValue() > targetBytes) {
        groups.add(current);
        current = new ArrayList<>();
        currentBytes = 0;
      }
      current.add(file);
      currentBytes += file.getValue();
    }
    if (!current.isEmpty()) {
      groups.add(current);
    }
    return groups;
  }

  private static boolean exists(ResourceId file) throws IOException {
    MatchResult match =
        FileSystems.match(
                List.of(file.toString()), org.apache.beam.sdk.io.fs.EmptyMatchTreatment.ALLOW)
            .get(0);
    return match.status() == MatchResult.Status.OK && !match.metadata().isEmpty();
  }

  /**
   * Flat rows (events, aggregates) go straight into Parquet; others (dead letters, with their lists
   * of headers and violations) through Avro records and ParquetIO. Both give the same column types
   * (see {@link FlatRowParquetSink}).
   */
  private static FileIO.Sink<Row> sink(Schema schema) {
    if (FlatRowParquetSink.supports(schema)) {
      return new FlatRowParquetSink(schema);
    }
    return new ViaAvro(AvroUtils.toAvroSchema(schema));
  }

  /** Rows as Avro records into ParquetIO's sink. */
  static final class ViaAvro implements FileIO.Sink<Row> {
    private final SerializableFunction<Row, GenericRecord> toRecord;
    private final ParquetIO.Sink parquet;

    ViaAvro(org.apache.avro.Schema avroSchema) {
      this.toRecord = AvroUtils.getRowToGenericRecordFunction(avroSchema);
      this.parquet =
          ParquetIO.sink(avroSchema)
              // Standard 3-level lists, as Spark, Trino, DuckDB and Iceberg write them.
              .withConfiguration(Map.of("parquet.avro.write-old-list-structure", "false"));
    }

    @Override
    public void open(WritableByteChannel channel) throws IOException {
      parquet.open(channel);
    }

    @Override
    public void write(Row row) throws IOException {
      parquet.write(toRecord.apply(row));
    }

    @Override
    public void flush() throws IOException {
      parquet.flush();
    }
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("directory", getDirectory()))
        .add(DisplayData.item("prefix", getPrefix()))
        .add(DisplayData.item("targetFileBytes", getTargetFileBytes()));
  }
}
