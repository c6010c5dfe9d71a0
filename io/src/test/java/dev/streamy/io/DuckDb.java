package dev.streamy.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Reads back what a test wrote, with DuckDB, as an outside reader would. */
final class DuckDb {

  private DuckDb() {}

  /** Every row of {@code sql}, each as column label to value, in result order. */
  static List<Map<String, Object>> query(String sql) throws SQLException {
    try {
      Class.forName("org.duckdb.DuckDBDriver");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("DuckDB JDBC is a test dependency", e);
    }
    try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
        Statement statement = connection.createStatement();
        ResultSet results = statement.executeQuery(sql)) {
      ResultSetMetaData meta = results.getMetaData();
      List<Map<String, Object>> rows = new ArrayList<>();
      while (results.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          row.put(meta.getColumnLabel(i), results.getObject(i));
        }
        rows.add(row);
      }
      return rows;
    }
  }

  /** {@code read_parquet} over every Parquet file under {@code dir}, without Hive columns. */
  static String parquetUnder(Path dir) {
    return "read_parquet('" + dir.toAbsolutePath() + "/**/*.parquet', hive_partitioning=false)";
  }

  /** Column name to DuckDB type of every Parquet file under {@code dir}. */
  static Map<String, String> columnTypes(Path dir) throws SQLException {
    Map<String, String> types = new LinkedHashMap<>();
    for (Map<String, Object> row : query("DESCRIBE SELECT * FROM " + parquetUnder(dir))) {
      types.put((String) row.get("column_name"), (String) row.get("column_type"));
    }
    return types;
  }

  /** Paths of regular files under {@code dir}, relative to it, with '/' separators, sorted. */
  static List<String> filesUnder(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      return paths
          .filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString().replace('\\', '/'))
          .sorted()
          .collect(Collectors.toList());
    }
  }
}
