package dev.streamy.templates;

import dev.streamy.pipelines.IngestPipeline;
import java.util.stream.Collectors;
import org.apache.beam.sdk.PipelineResult;

/** A one-line summary of a finished pipeline's counters. */
final class Counters {

  private Counters() {}

  /** {@code DONE: dead_letters_PARSE_ERROR=3, records_read=10}: the pipeline's own counters. */
  static String summary(PipelineResult result) {
    return result.getState()
        + ": "
        + IngestPipeline.counters(result).entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(", "));
  }
}
