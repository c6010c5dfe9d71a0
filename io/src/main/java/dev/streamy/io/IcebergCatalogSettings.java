package dev.streamy.io;

import dev.streamy.options.KafkaConfig;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.beam.sdk.io.iceberg.IcebergCatalogConfig;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;

/**
 * Where Iceberg tables live: a Hadoop catalog (a warehouse folder, no server) or a REST catalog,
 * plus extra catalog properties such as S3 or OAuth settings.
 *
 * <p>Secret properties (passwords, tokens, credentials, secret and access keys, authorization
 * headers; see {@link #isSecret}) are kept for the catalog but shown as {@link
 * KafkaConfig#REDACTED} by {@link #toString} and {@link #redactedProperties}, the only forms meant
 * for logs and display data.
 */
public final class IcebergCatalogSettings implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Name the catalog is registered under inside the pipeline. */
  public static final String CATALOG_NAME = "streamy";

  /** The kinds of catalog streamy can write to. */
  public enum Type {
    /** Table metadata in files under the warehouse; fine for one writer at a time, no server. */
    HADOOP,
    /** An Iceberg REST catalog server (Polaris, Nessie, Gravitino, Lakekeeper, ...). */
    REST
  }

  /** Catalog properties this class sets itself, which extra properties may not override. */
  private static final Set<String> RESERVED =
      Set.of(
          CatalogUtil.ICEBERG_CATALOG_TYPE,
          CatalogProperties.CATALOG_IMPL,
          CatalogProperties.WAREHOUSE_LOCATION,
          CatalogProperties.URI);

  /** Secret markers beyond Kafka's: S3/ADLS access keys and HTTP authorization headers. */
  private static final List<String> EXTRA_SECRET_KEY_PARTS =
      List.of("access-key", "accesskey", "authorization", "sas-token", "signature");

  private final Type type;
  private final @Nullable String warehouse;
  private final @Nullable String uri;
  private final LinkedHashMap<String, String> properties;

  private IcebergCatalogSettings(
      Type type,
      @Nullable String warehouse,
      @Nullable String uri,
      LinkedHashMap<String, String> properties) {
    this.type = type;
    this.warehouse = warehouse;
    this.uri = uri;
    this.properties = properties;
  }

  /** A Hadoop catalog whose tables live under {@code warehouse} (a local folder or a URI). */
  public static IcebergCatalogSettings hadoop(String warehouse) {
    if (warehouse == null || warehouse.isBlank()) {
      throw new IllegalArgumentException("A Hadoop catalog needs a warehouse location");
    }
    return new IcebergCatalogSettings(Type.HADOOP, warehouse, null, new LinkedHashMap<>());
  }

  /**
   * A REST catalog at {@code uri}; {@code warehouse} is the server's warehouse name or location, or
   * null when the server has a default.
   */
  public static IcebergCatalogSettings rest(String uri, @Nullable String warehouse) {
    if (uri == null || uri.isBlank()) {
      throw new IllegalArgumentException("A REST catalog needs a uri");
    }
    String trimmedWarehouse = warehouse == null || warehouse.isBlank() ? null : warehouse;
    return new IcebergCatalogSettings(Type.REST, trimmedWarehouse, uri, new LinkedHashMap<>());
  }

  /**
   * These settings with {@code extra} catalog properties added (e.g. {@code io-impl}, {@code
   * s3.endpoint}, {@code credential}); a key given again replaces the earlier value.
   *
   * @throws IllegalArgumentException for a key this class sets itself ({@code type}, {@code
   *     catalog-impl}, {@code warehouse}, {@code uri}) or an empty key. Messages name keys, never
   *     values.
   */
  public IcebergCatalogSettings withProperties(Map<String, String> extra) {
    LinkedHashMap<String, String> merged = new LinkedHashMap<>(properties);
    extra.forEach(
        (key, value) -> {
          if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("Catalog property keys must not be empty");
          }
          if (RESERVED.contains(key)) {
            throw new IllegalArgumentException(
                "Catalog property " + key + " is set by the catalog settings themselves");
          }
          merged.put(key, Objects.requireNonNull(value, () -> "Catalog property " + key));
        });
    return new IcebergCatalogSettings(type, warehouse, uri, merged);
  }

  public Type type() {
    return type;
  }

  public @Nullable String warehouse() {
    return warehouse;
  }

  public @Nullable String uri() {
    return uri;
  }

  /**
   * Whether a catalog property holds a secret: everything {@link KafkaConfig#isSecret} calls one
   * (password, secret, token, credential, ...) plus access keys and authorization headers. Errs on
   * the side of "secret": a false positive only hides a value from logs.
   */
  public static boolean isSecret(String key) {
    if (KafkaConfig.isSecret(key)) {
      return true;
    }
    String lower = key.toLowerCase(Locale.ROOT);
    return EXTRA_SECRET_KEY_PARTS.stream().anyMatch(lower::contains);
  }

  /** Every catalog property, secrets included: give this to a catalog, never to a log. */
  public Map<String, String> catalogProperties() {
    Map<String, String> all = new LinkedHashMap<>();
    all.put(CatalogUtil.ICEBERG_CATALOG_TYPE, type.name().toLowerCase(Locale.ROOT));
    if (warehouse != null) {
      all.put(CatalogProperties.WAREHOUSE_LOCATION, warehouse);
    }
    if (uri != null) {
      all.put(CatalogProperties.URI, uri);
    }
    all.putAll(properties);
    return Collections.unmodifiableMap(all);
  }

  /** {@link #catalogProperties} with every secret value {@link KafkaConfig#REDACTED}. */
  public Map<String, String> redactedProperties() {
    Map<String, String> out = new LinkedHashMap<>();
    catalogProperties()
        .forEach((key, value) -> out.put(key, isSecret(key) ? KafkaConfig.REDACTED : value));
    return Collections.unmodifiableMap(out);
  }

  /**
   * IcebergIO's catalog config for these settings. Its own {@code toString} prints every property,
   * secrets included: do not log it.
   */
  public IcebergCatalogConfig toBeamConfig() {
    return IcebergCatalogConfig.builder()
        .setCatalogName(CATALOG_NAME)
        .setCatalogProperties(catalogProperties())
        .build();
  }

  @Override
  public boolean equals(@Nullable Object other) {
    if (!(other instanceof IcebergCatalogSettings)) {
      return false;
    }
    IcebergCatalogSettings that = (IcebergCatalogSettings) other;
    return type == that.type
        && Objects.equals(warehouse, that.warehouse)
        && Objects.equals(uri, that.uri)
        && properties.equals(that.properties);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, warehouse, uri, properties);
  }

  @Override
  public String toString() {
    return "IcebergCatalogSettings" + redactedProperties();
  }
}
