package dev.streamy.io;

import dev.streamy.transforms.SourceRecord;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;

/**
 * Records held in memory (a replay's dead letters, back as the records they came from) as a bounded
 * input, each timestamped as {@link ReadKafkaRecords} timestamps what it reads: the event time in
 * its value, else its Kafka timestamp, never after now.
 */
public final class CreateSourceRecords extends PTransform<PBegin, PCollection<SourceRecord>> {

  private final List<SourceRecord> records;
  private final @Nullable List<String> eventTimePath;

  private CreateSourceRecords(List<SourceRecord> records, @Nullable List<String> eventTimePath) {
    this.records = records;
    this.eventTimePath = eventTimePath;
  }

  /** {@code records}, timestamped by the event time at {@code eventTimePath} in each value. */
  public static CreateSourceRecords of(List<SourceRecord> records, List<String> eventTimePath) {
    return new CreateSourceRecords(List.copyOf(records), List.copyOf(eventTimePath));
  }

  @Override
  public PCollection<SourceRecord> expand(PBegin input) {
    ReadKafkaRecords.EventTimeFn timestamps =
        new ReadKafkaRecords.EventTimeFn(
            eventTimePath == null ? null : EventTimeScanner.of(eventTimePath));
    return input
        .apply("Records", Create.of(records).withCoder(SourceRecord.coder()))
        .apply("AtEventTime", ParDo.of(new AtEventTimeFn(timestamps)))
        .setCoder(SourceRecord.coder());
  }

  private static final class AtEventTimeFn extends DoFn<SourceRecord, SourceRecord> {
    private final ReadKafkaRecords.EventTimeFn timestamps;

    AtEventTimeFn(ReadKafkaRecords.EventTimeFn timestamps) {
      this.timestamps = timestamps;
    }

    @ProcessElement
    public void process(@Element SourceRecord record, OutputReceiver<SourceRecord> out) {
      out.outputWithTimestamp(
          record,
          timestamps.timestampOf(
              record.getValue(), record.getTimestamp().getMillis(), Instant.now()));
    }
  }
}
