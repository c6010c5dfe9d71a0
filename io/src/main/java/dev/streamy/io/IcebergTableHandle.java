package dev.streamy.io;

import java.io.Serializable;
import javax.annotation.Nullable;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * Where a writer or committer finds its table: opened lazily on the worker, refreshed on each
 * {@link #fresh}, closed on teardown.
 */
final class IcebergTableHandle implements Serializable {
  private static final long serialVersionUID = 1L;

  private final IcebergCatalogSettings settings;
  private final String namespace;
  private final String table;
  private transient @Nullable Catalog catalog;
  private transient @Nullable Table loaded;

  IcebergTableHandle(IcebergCatalogSettings settings, String namespace, String table) {
    this.settings = settings;
    this.namespace = namespace;
    this.table = table;
  }

  /** The table as the catalog has it now. */
  Table fresh() {
    if (loaded == null) {
      catalog = settings.toBeamConfig().catalog();
      loaded = catalog.loadTable(TableIdentifier.of(namespace, table));
    }
    // Also right after loading: a catalog may hand out a table it loaded earlier.
    loaded.refresh();
    return loaded;
  }

  void close() {
    if (catalog != null) {
      WriteIceberg.closeCatalog(catalog);
    }
    catalog = null;
    loaded = null;
  }
}
