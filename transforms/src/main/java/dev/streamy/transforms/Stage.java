package dev.streamy.transforms;

/** The pipeline stage at which a record was dead-lettered. */
public enum Stage {
  READ,
  PARSE,
  VALIDATE,
  DEDUPE,
  WINDOW,
  SINK
}
