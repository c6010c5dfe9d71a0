package dev.streamy.runners;

import static org.junit.Assert.assertNotNull;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;

/** Reads a table of a run's Hadoop-catalog warehouse back through Iceberg's own API. */
public final class IcebergTables {

  private IcebergTables() {}

  /** Every row of {@code namespace.table} under {@code <output>/warehouse}; it must exist. */
  public static List<Record> rows(Path output, String namespace, String table) throws IOException {
    HadoopCatalog catalog =
        new HadoopCatalog(new Configuration(), output.resolve("warehouse").toString());
    Table loaded = catalog.loadTable(TableIdentifier.of(namespace, table));
    assertNotNull(table + " has a snapshot", loaded.currentSnapshot());
    List<Record> all = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(loaded).build()) {
      rows.forEach(all::add);
    }
    return all;
  }

  /** The data files of the current snapshot of {@code namespace.table}, as Iceberg plans a scan. */
  public static List<Path> currentDataFiles(Path output, String namespace, String table)
      throws IOException {
    HadoopCatalog catalog =
        new HadoopCatalog(new Configuration(), output.resolve("warehouse").toString());
    Table loaded = catalog.loadTable(TableIdentifier.of(namespace, table));
    List<Path> files = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = loaded.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        String location = task.file().path().toString();
        files.add(location.contains(":") ? Path.of(URI.create(location)) : Path.of(location));
      }
    }
    return files;
  }
}
