package dev.streamy.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the data files a sink wrote but never committed: what a failed or replayed bundle leaves
 * behind. A file is deleted only when all of these hold: its name is one {@link
 * WriteIcebergFilesFn} makes for this sink id (so another job's files, committed or not, are never
 * touched), no snapshot the table still knows references it, and it is older than the cut-off (so a
 * file on its way to the committer is never taken).
 */
final class IcebergOrphanFiles {

  private static final Logger LOG = LoggerFactory.getLogger(IcebergOrphanFiles.class);

  private IcebergOrphanFiles() {}

  /**
   * Deletes {@code sinkId}'s orphan data files of {@code table} created before {@code
   * olderThanMillis}; returns how many. Does nothing (and says so) when the table's FileIO cannot
   * list files.
   */
  static int delete(Table table, String sinkId, long olderThanMillis) {
    FileIO io = table.io();
    if (!(io instanceof SupportsPrefixOperations)) {
      LOG.warn(
          "Iceberg table {}: its FileIO ({}) cannot list files, so orphan data files are not"
              + " cleaned",
          table.name(),
          io.getClass().getName());
      return 0;
    }
    int deleted = 0;
    for (FileInfo file : unreferencedOwn(table, sinkId)) {
      if (file.createdAtMillis() < olderThanMillis) {
        io.deleteFile(file.location());
        deleted++;
      }
    }
    if (deleted > 0) {
      LOG.info(
          "Iceberg table {}: deleted {} data files sink {} wrote but never committed",
          table.name(),
          deleted,
          sinkId);
    }
    return deleted;
  }

  /**
   * The locations of {@code sinkId}'s data files that no snapshot references, whatever their age.
   */
  static Set<String> unreferencedOwnFiles(Table table, String sinkId) {
    Set<String> locations = new HashSet<>();
    unreferencedOwn(table, sinkId).forEach(file -> locations.add(file.location()));
    return locations;
  }

  private static List<FileInfo> unreferencedOwn(Table table, String sinkId) {
    Set<String> referenced = referencedFileNames(table);
    List<FileInfo> found = new ArrayList<>();
    for (FileInfo file :
        ((SupportsPrefixOperations) table.io()).listPrefix(table.location() + "/data")) {
      String name = WriteIcebergFilesFn.nameOf(file.location());
      if (WriteIcebergFilesFn.isOwnFileName(name, sinkId) && !referenced.contains(name)) {
        found.add(file);
      }
    }
    return found;
  }

  /**
   * The names of every data file a snapshot the table knows references. Names, not paths: a listing
   * may spell a location differently (a {@code file:} scheme), and the writer's names are unique.
   */
  static Set<String> referencedFileNames(Table table) {
    Set<String> names = new HashSet<>();
    Set<String> manifestsRead = new HashSet<>();
    for (Snapshot snapshot : table.snapshots()) {
      for (ManifestFile manifest : snapshot.dataManifests(table.io())) {
        if (!manifestsRead.add(manifest.path())) {
          continue;
        }
        try (CloseableIterable<String> paths = ManifestFiles.readPaths(manifest, table.io())) {
          paths.forEach(path -> names.add(WriteIcebergFilesFn.nameOf(path)));
        } catch (IOException e) {
          throw new UncheckedIOException("Could not read manifest " + manifest.path(), e);
        }
      }
    }
    return names;
  }
}
