package dev.streamy.io;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.google.auto.value.AutoValue;
import dev.streamy.options.Choices;
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
@AutoValue
public abstract class IcebergCatalogSettings implements Serializable {

  /** Name the catalog is registered under inside the pipeline. */
  public static final String CATALOG_NAME = "streamy";

  /**
   * The kinds of catalog streamy can write to. As the type of the {@code --icebergCatalogType}
   * option it is written in lower case ({@code --icebergCatalogType=rest}), any case accepted.
   */
  public enum Type {
    /** Table metadata in files under the warehouse; fine for one writer at a time, no server. */
    HADOOP,
    /** An Iceberg REST catalog server (Polaris, Nessie, Gravitino, Lakekeeper, ...). */
    REST;

    /** The type {@code text} names, as {@code --icebergCatalogType} reads it. */
    @JsonCreator
    public static Type fromOption(String text) {
      return Choices.parse(Type.class, "icebergCatalogType", text);
    }

    /** How the option writes it: {@code hadoop}, {@code rest}. */
    @JsonValue
    public String text() {
      return Choices.text(this);
    }
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

  /** A Hadoop catalog whose tables live under {@code warehouse} (a local folder or a URI). */
  public static IcebergCatalogSettings hadoop(String warehouse) {
    if (warehouse == null || warehouse.isBlank()) {
      throw new IllegalArgumentException("A Hadoop catalog needs a warehouse location");
    }
    return new AutoValue_IcebergCatalogSettings(Type.HADOOP, warehouse, null, Map.of());
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
    return new AutoValue_IcebergCatalogSettings(Type.REST, trimmedWarehouse, uri, Map.of());
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
    Map<String, String> merged = new LinkedHashMap<>(getProperties());
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
    return new AutoValue_IcebergCatalogSettings(
        getType(), getWarehouse(), getUri(), Collections.unmodifiableMap(merged));
  }

  public abstract Type getType();

  public abstract @Nullable String getWarehouse();

  public abstract @Nullable String getUri();

  /** The extra catalog properties, secrets included: never log them. */
  abstract Map<String, String> getProperties();

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
    all.put(CatalogUtil.ICEBERG_CATALOG_TYPE, getType().text());
    if (getWarehouse() != null) {
      all.put(CatalogProperties.WAREHOUSE_LOCATION, getWarehouse());
    }
    if (getUri() != null) {
      all.put(CatalogProperties.URI, getUri());
    }
    all.putAll(getProperties());
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

  /** Secrets redacted: the only text form meant for logs. */
  @Override
  public String toString() {
    return "IcebergCatalogSettings" + redactedProperties();
  }
}
