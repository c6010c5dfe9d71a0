package dev.streamy.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.SeekableInputStream;
import org.apache.parquet.schema.MessageType;

/**
 * Parquet's file abstractions over Beam's {@link FileSystems} (local folders, {@code gs://}, ...),
 * and two ways to join Parquet files of one schema into one: {@link #merge}, row group by row group
 * without decoding a row, and {@link #rewrite}, record by record into fresh row groups.
 */
final class ParquetFiles {

  // What the merging writer is told; it copies row groups whole, so neither splits or pads any.
  private static final long ROW_GROUP_BYTES = 128L * 1024 * 1024;
  private static final int NO_PADDING = 0;

  private ParquetFiles() {}

  /** Parquet's output file over an open channel; Parquet only appends. */
  static OutputFile outputFile(WritableByteChannel channel) {
    return new ChannelOutputFile(channel);
  }

  /** Parquet's input file over a file Beam can open. */
  static InputFile inputFile(ResourceId file, long length) {
    return new BeamInputFile(file, length);
  }

  /** The number of rows of a Parquet file, from its footer. */
  static long rowCount(ResourceId file, long length) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(inputFile(file, length))) {
      return reader.getRecordCount();
    }
  }

  /**
   * The Kafka offsets the rows of a Parquet file came from, read from its coordinate columns alone
   * (see {@link SourceOffsets.Columns}); null for a file without them (aggregates).
   */
  static @Nullable SourceOffsets sourceOffsets(ResourceId file, long length) throws IOException {
    SourceOffsets offsets = new SourceOffsets();
    boolean hasCoordinates =
        readCoordinates(
            file,
            length,
            null,
            (minPartition, maxPartition, minOffset, maxOffset) -> true,
            (topic, partition, offset, id) -> offsets.add(topic, partition, offset));
    return hasCoordinates ? offsets : null;
  }

  /** What {@link #readCoordinates} hands on, per row. */
  interface CoordinateVisitor {
    void visit(String topic, int partition, long offset, @Nullable String id);
  }

  /** Whether a row group whose partitions and offsets lie in these bounds may hold wanted rows. */
  interface RowGroupFilter {
    boolean mayHold(long minPartition, long maxPartition, long minOffset, long maxOffset);
  }

  /**
   * Hands each row's source coordinates (and its {@code idColumn}, when not null) to {@code
   * visitor}, reading only those columns and skipping the row groups whose column statistics {@code
   * filter} rules out. Returns false, reading nothing, for a file without coordinates.
   */
  static boolean readCoordinates(
      ResourceId file,
      long length,
      @Nullable String idColumn,
      RowGroupFilter filter,
      CoordinateVisitor visitor)
      throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(inputFile(file, length))) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      List<String> fieldNames = new ArrayList<>();
      schema.getFields().forEach(field -> fieldNames.add(field.getName()));
      String[] names = SourceOffsets.Columns.namesAmong(fieldNames);
      if (names == null) {
        return false;
      }
      boolean withId = idColumn != null && fieldNames.contains(idColumn);
      MessageType columns =
          withId
              ? new MessageType(
                  schema.getName(),
                  schema.getType(names[0]),
                  schema.getType(names[1]),
                  schema.getType(names[2]),
                  schema.getType(idColumn))
              : new MessageType(
                  schema.getName(),
                  schema.getType(names[0]),
                  schema.getType(names[1]),
                  schema.getType(names[2]));
      reader.setRequestedSchema(columns);
      MessageColumnIO columnIo = new ColumnIOFactory().getColumnIO(columns);
      for (BlockMetaData block : reader.getRowGroups()) {
        if (!mayHold(block, names, filter)) {
          reader.skipNextRowGroup();
          continue;
        }
        PageReadStore rowGroup = reader.readNextRowGroup();
        RecordReader<Group> records =
            columnIo.getRecordReader(rowGroup, new GroupRecordConverter(columns));
        for (long row = 0; row < rowGroup.getRowCount(); row++) {
          Group group = records.read();
          if (group.getFieldRepetitionCount(0) > 0
              && group.getFieldRepetitionCount(1) > 0
              && group.getFieldRepetitionCount(2) > 0) {
            String id =
                withId && group.getFieldRepetitionCount(3) > 0 ? group.getString(3, 0) : null;
            visitor.visit(group.getString(0, 0), group.getInteger(1, 0), group.getLong(2, 0), id);
          }
        }
      }
      return true;
    }
  }

  /** False only when the row group's statistics show it holds no wanted coordinates. */
  private static boolean mayHold(BlockMetaData block, String[] names, RowGroupFilter filter) {
    Statistics<?> partitions = null;
    Statistics<?> offsets = null;
    for (ColumnChunkMetaData column : block.getColumns()) {
      String path = column.getPath().toDotString();
      if (path.equals(names[1])) {
        partitions = column.getStatistics();
      } else if (path.equals(names[2])) {
        offsets = column.getStatistics();
      }
    }
    if (partitions == null
        || offsets == null
        || !partitions.hasNonNullValue()
        || !offsets.hasNonNullValue()) {
      return true;
    }
    return filter.mayHold(
        ((Number) partitions.genericGetMin()).longValue(),
        ((Number) partitions.genericGetMax()).longValue(),
        ((Number) offsets.genericGetMin()).longValue(),
        ((Number) offsets.genericGetMax()).longValue());
  }

  /**
   * Writes the row groups of {@code sources} (files of one Parquet schema, with their lengths), in
   * order, into a new file {@code target}, with the first source's key-value metadata (e.g. the
   * Avro schema parquet-avro records). Row groups are copied as bytes: no row is decoded.
   */
  static void merge(List<ResourceId> sources, List<Long> lengths, ResourceId target)
      throws IOException {
    FileMetaData first = firstFooter(sources, lengths, target);
    try (WritableByteChannel channel = FileSystems.create(target, MimeTypes.BINARY)) {
      ParquetFileWriter writer =
          new ParquetFileWriter(
              outputFile(channel),
              first.getSchema(),
              ParquetFileWriter.Mode.CREATE,
              ROW_GROUP_BYTES,
              NO_PADDING);
      writer.start();
      for (int i = 0; i < sources.size(); i++) {
        writer.appendFile(inputFile(sources.get(i), lengths.get(i)));
      }
      writer.end(first.getKeyValueMetaData());
    }
  }

  /**
   * Reads the rows of {@code sources} (files of one Parquet schema, with their lengths), in order,
   * and writes them into a new file {@code target} as fresh row groups (Snappy), with the first
   * source's key-value metadata. Rows are copied as Parquet records, so every column keeps its
   * exact type; for many small files, where {@link #merge} would keep one tiny row group each.
   */
  static void rewrite(List<ResourceId> sources, List<Long> lengths, ResourceId target)
      throws IOException {
    FileMetaData first = firstFooter(sources, lengths, target);
    MessageType schema = first.getSchema();
    MessageColumnIO columns = new ColumnIOFactory().getColumnIO(schema);
    try (WritableByteChannel channel = FileSystems.create(target, MimeTypes.BINARY);
        ParquetWriter<Group> writer =
            ExampleParquetWriter.builder(outputFile(channel))
                .withType(schema)
                .withConf(new PlainParquetConfiguration())
                .withExtraMetaData(withoutWriterModel(first.getKeyValueMetaData()))
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .build()) {
      for (int i = 0; i < sources.size(); i++) {
        try (ParquetFileReader reader =
            ParquetFileReader.open(inputFile(sources.get(i), lengths.get(i)))) {
          MessageType fileSchema = reader.getFooter().getFileMetaData().getSchema();
          if (!fileSchema.equals(schema)) {
            throw new IOException(
                sources.get(i) + " has another schema than " + sources.get(0) + ": " + fileSchema);
          }
          PageReadStore rowGroup;
          while ((rowGroup = reader.readNextRowGroup()) != null) {
            RecordReader<Group> records =
                columns.getRecordReader(rowGroup, new GroupRecordConverter(schema));
            for (long row = 0; row < rowGroup.getRowCount(); row++) {
              writer.write(records.read());
            }
          }
        }
      }
    }
  }

  /** The footer's file metadata (schema, key-value metadata) of the first of {@code sources}. */
  private static FileMetaData firstFooter(
      List<ResourceId> sources, List<Long> lengths, ResourceId target) throws IOException {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("no Parquet file to join into " + target);
    }
    try (ParquetFileReader reader =
        ParquetFileReader.open(inputFile(sources.get(0), lengths.get(0)))) {
      return reader.getFooter().getFileMetaData();
    }
  }

  /** The key-value metadata without the key every Parquet writer sets for itself. */
  private static Map<String, String> withoutWriterModel(Map<String, String> metadata) {
    Map<String, String> copy = new HashMap<>(metadata);
    copy.remove("writer.model.name");
    return copy;
  }

  private static final class ChannelOutputFile implements OutputFile {
    private final WritableByteChannel channel;

    ChannelOutputFile(WritableByteChannel channel) {
      this.channel = channel;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
      return new CountingStream(Channels.newOutputStream(channel));
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
      return create(blockSizeHint);
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }
  }

  private static final class CountingStream extends PositionOutputStream {
    private final OutputStream out;
    private long position;

    CountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public long getPos() {
      return position;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      position++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      position += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    /** Leaves the channel open: its owner closes it once Parquet has written the footer. */
    @Override
    public void close() throws IOException {
      out.flush();
    }
  }

  private static final class BeamInputFile implements InputFile {
    private final ResourceId file;
    private final long length;

    BeamInputFile(ResourceId file, long length) {
      this.file = file;
      this.length = length;
    }

    @Override
    public long getLength() {
      return length;
    }

    @Override
    public SeekableInputStream newStream() throws IOException {
      return new ChannelInputStream((SeekableByteChannel) FileSystems.open(file));
    }
  }

  private static final class ChannelInputStream extends DelegatingSeekableInputStream {
    private final SeekableByteChannel channel;

    ChannelInputStream(SeekableByteChannel channel) {
      super(Channels.newInputStream(channel));
      this.channel = channel;
    }

    @Override
    public long getPos() throws IOException {
      return channel.position();
    }

    @Override
    public void seek(long newPos) throws IOException {
      channel.position(newPos);
    }
  }
}
