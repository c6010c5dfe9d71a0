package dev.streamy.transforms;

import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.schemas.SchemaRegistry;

/** The schema coders of streamy's schema types, whose schemas come from their annotations. */
final class SchemaCoders {

  private SchemaCoders() {}

  static <T> SchemaCoder<T> of(Class<T> type) {
    try {
      return SchemaRegistry.createDefault().getSchemaCoder(type);
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException(type.getName() + " has a schema by annotation", e);
    }
  }
}
