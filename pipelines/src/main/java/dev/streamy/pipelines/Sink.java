package dev.streamy.pipelines;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.streamy.options.Choices;

/**
 * Where events, aggregates and dead letters go ({@code --sink}), written in lower case on the
 * command line ({@code --sink=both}), any case accepted. Dead letters also go to the DLQ topic.
 */
public enum Sink {
  PARQUET,
  ICEBERG,
  BOTH;

  /** The sink {@code text} names, as {@code --sink} reads it. */
  @JsonCreator
  public static Sink fromOption(String text) {
    return Choices.parse(Sink.class, "sink", text);
  }

  /** How the option writes it: {@code parquet}, {@code iceberg}, {@code both}. */
  @JsonValue
  public String text() {
    return Choices.text(this);
  }

  public boolean writesParquet() {
    return this != ICEBERG;
  }

  public boolean writesIceberg() {
    return this != PARQUET;
  }
}
