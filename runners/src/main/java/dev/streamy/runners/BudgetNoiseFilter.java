package dev.streamy.runners;

import dev.streamy.transforms.ErrorBudgetExceededException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Passes the embedded Flink job's standard error on, but for a blown error budget: Flink and Beam
 * log the failure with its stack trace (the failed task, the failed job, the checkpoint coordinator
 * stopping), and the job jar then prints the one line that names the codes. From the first log
 * record that names {@link ErrorBudgetExceededException} on, only streamy's own lines ({@code
 * streamy: ...}) pass; every other line passes as it comes.
 *
 * <p>A log record is a line {@code [thread] LEVEL logger - message} (slf4j-simple's format, the job
 * jar's logger) and the lines after it up to the next one. A WARN or ERROR record is held until it
 * is complete (the next record starts, or {@value #HOLD_MILLIS} ms pass without a line), so that
 * its stack trace can be read for the exception first.
 */
final class BudgetNoiseFilter {

  private static final Pattern RECORD =
      Pattern.compile("^\\[[^\\]]*\\] (TRACE|DEBUG|INFO|WARN|ERROR) .*");
  private static final Pattern HELD = Pattern.compile("^\\[[^\\]]*\\] (WARN|ERROR) .*");
  private static final String NAME = ErrorBudgetExceededException.class.getName();

  /** How long a held record waits for more lines before it counts as complete. */
  static final long HOLD_MILLIS = 300;

  private static final String END = new String("end of stream"); // compared by identity

  private final PrintStream out;
  private final List<String> held = new ArrayList<>();
  private boolean blown;

  BudgetNoiseFilter(PrintStream out) {
    this.out = out;
  }

  /**
   * Copies {@code in} through a filter to {@code out} on a daemon thread, until {@code in} ends.
   */
  static Thread pump(InputStream in, PrintStream out) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader text =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = text.readLine(); line != null; line = text.readLine()) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // The job's JVM is gone: so is the rest of its output.
              }
              lines.add(END);
            },
            "streamy-job-stderr-reader");
    reader.setDaemon(true);
    reader.start();
    BudgetNoiseFilter filter = new BudgetNoiseFilter(out);
    Thread writer =
        new Thread(
            () -> {
              try {
                while (true) {
                  String line =
                      filter.holding()
                          ? lines.poll(HOLD_MILLIS, TimeUnit.MILLISECONDS)
                          : lines.take();
                  if (line == END) {
                    filter.end();
                    return;
                  }
                  if (line == null) {
                    filter.idle();
                  } else {
                    filter.line(line);
                  }
                }
              } catch (InterruptedException e) {
                filter.end();
                Thread.currentThread().interrupt();
              }
            },
            "streamy-job-stderr");
    writer.setDaemon(true);
    writer.start();
    return writer;
  }

  /** Whether a record is held back, waiting for its end. */
  boolean holding() {
    return !held.isEmpty();
  }

  /** One line of the job's standard error. */
  void line(String line) {
    if (RECORD.matcher(line).matches()) {
      release();
    }
    if (!blown && line.contains(NAME) && !line.startsWith("streamy: ")) {
      held.clear();
      blown = true;
    }
    if (blown) {
      if (line.startsWith("streamy: ")) {
        out.println(line);
      }
      return;
    }
    if (holding() || HELD.matcher(line).matches()) {
      held.add(line);
    } else {
      out.println(line);
    }
  }

  /** No line came for a while: a held record is complete. */
  void idle() {
    release();
  }

  /** The job's standard error ended. */
  void end() {
    release();
    out.flush();
  }

  private void release() {
    for (String line : held) {
      out.println(line);
    }
    held.clear();
  }
}
