package dev.streamy.benchmarks;

import dev.streamy.io.IcebergCatalogSettings;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.CloseableIterable;

/** The data files of the current snapshot of streamy's tables in a Hadoop warehouse. */
final class IcebergFiles {

  private IcebergFiles() {}

  /**
   * The data files of table {@code streamy.<sink>} ({@code dead-letters} is the {@code
   * dead_letters} table) as the current snapshot lists them; none when the table has no snapshot.
   */
  static List<Path> current(Path warehouse, String sink) throws IOException {
    Catalog catalog = IcebergCatalogSettings.hadoop(warehouse.toString()).toBeamConfig().catalog();
    List<Path> files = new ArrayList<>();
    try {
      Table table = catalog.loadTable(TableIdentifier.of("streamy", sink.replace('-', '_')));
      try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
        for (FileScanTask task : tasks) {
          String location = task.file().path().toString();
          files.add(location.contains(":") ? Path.of(URI.create(location)) : Path.of(location));
        }
      }
    } finally {
      if (catalog instanceof Closeable) {
        ((Closeable) catalog).close();
      }
    }
    return files;
  }
}
