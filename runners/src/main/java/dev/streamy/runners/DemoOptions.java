package dev.streamy.runners;

import dev.streamy.generator.GeneratorOptions;
import dev.streamy.pipelines.IngestOptions;

/**
 * Options of {@code ./streamy demo}: the ingest and generator options together. The demo fills in
 * Kafka, the topics, the record count and {@code --output} ({@value DemoCommand#DEMO_OUTPUT} when
 * not given).
 */
public interface DemoOptions extends IngestOptions, GeneratorOptions {}
