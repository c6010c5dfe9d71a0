package dev.streamy.transforms;

/**
 * Stable dead-letter error codes. These names are API: dashboards, replay tools and the DLQ headers
 * use them. Add codes; never rename or reuse one.
 */
public enum ErrorCode {
  /** Null or zero-length value. */
  EMPTY_PAYLOAD,
  /** Not well-formed JSON: syntax error, trailing data, NaN/Infinity, truncated input. */
  PARSE_ERROR,
  /** Not UTF-8: invalid byte sequences, a byte-order mark, UTF-16/32, lone surrogates. */
  ENCODING_ERROR,
  /** Value larger than the configured size limit. */
  TOO_LARGE,
  /** JSON nested deeper than the configured depth limit. */
  TOO_DEEP,
  /** The same key twice in one JSON object. */
  DUPLICATE_KEY,
  /** Well-formed JSON that breaks the contract as a whole (e.g. the root is not an object). */
  SCHEMA_INVALID,
  /** A required field is absent or null. */
  FIELD_MISSING,
  /** A field has the wrong type, is out of range or breaks a pattern/format. */
  FIELD_INVALID,
  /** The event-time field is missing, unparseable or out of the accepted range. */
  TS_INVALID,
  /** The event time lies further in the future than the accepted clock skew. */
  TS_FUTURE,
  /** The event arrived after its window's allowed lateness had passed. */
  TS_LATE,
  /** Bytes of another format: gzip, Avro container, Confluent wire format, ... */
  WRONG_FORMAT,
  /** A bug threw on this record; the stack is kept and the job keeps running. */
  UNEXPECTED
}
