package dev.streamy.generator;

import com.google.auto.value.AutoValue;
import dev.streamy.generator.EventFactory.GeneratedRecord;
import dev.streamy.generator.EventFactory.Kind;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which kind of record comes next: bad with the bad share, cycling through the catalogue in a
 * shuffled round robin so small runs still cover every kind; a duplicate with the duplicate share,
 * when a recent good event is left to repeat; else good. It also keeps those recent good events and
 * the count of oversized records.
 */
final class RecordMix {

  private static final int RECENT_GOOD = 64;

  private final SplittableRandom random;
  private final double badShare;
  private final double duplicateShare;
  private final Clock clock;
  private final boolean allowOversized;
  private final Deque<Recent> recentGood = new ArrayDeque<>();
  private final List<Kind> badCycle = new ArrayList<>(Kind.badKinds());
  private int badCycleIndex = badCycle.size();
  private int oversized;

  RecordMix(
      SplittableRandom random,
      double badShare,
      double duplicateShare,
      Clock clock,
      boolean allowOversized) {
    this.random = random;
    this.badShare = badShare;
    this.duplicateShare = duplicateShare;
    this.clock = clock;
    this.allowOversized = allowOversized;
  }

  /** A good event sent at {@code time}, kept for a while for duplicates to repeat. */
  @AutoValue
  abstract static class Recent {
    abstract GeneratedRecord record();

    abstract Instant time();

    static Recent of(GeneratedRecord record, Instant time) {
      return new AutoValue_RecordMix_Recent(record, time);
    }
  }

  Kind nextKind() {
    double u = random.nextDouble();
    if (u < badShare) {
      return nextBadKind();
    }
    if (u < badShare + duplicateShare && hasDuplicateCandidate()) {
      return Kind.DUPLICATE;
    }
    return Kind.GOOD;
  }

  boolean oversizedAllowed() {
    return allowOversized && oversized < EventFactory.MAX_OVERSIZED;
  }

  /** Counts one more oversized record, or refuses it. */
  void takeOversized() {
    if (!oversizedAllowed()) {
      throw new IllegalStateException("no more oversized records from this factory");
    }
    oversized++;
  }

  void remember(GeneratedRecord good, Instant time) {
    recentGood.addLast(Recent.of(good, time));
    if (recentGood.size() > RECENT_GOOD) {
      recentGood.removeFirst();
    }
  }

  boolean hasDuplicateCandidate() {
    return !duplicateCandidates().isEmpty();
  }

  /** An exact re-send of a good event of the last {@link EventFactory#DUPLICATE_HORIZON}. */
  GeneratedRecord duplicate() {
    List<Recent> candidates = duplicateCandidates();
    if (candidates.isEmpty()) {
      throw new IllegalStateException(
          "no good event of the last " + EventFactory.DUPLICATE_HORIZON + " to send again");
    }
    GeneratedRecord original = candidates.get(random.nextInt(candidates.size())).record();
    return GeneratedRecord.of(
        Kind.DUPLICATE, original.key(), original.value(), original.headers(), original.eventId());
  }

  private Kind nextBadKind() {
    for (int tries = 0; tries <= 2 * badCycle.size(); tries++) {
      if (badCycleIndex >= badCycle.size()) {
        shuffle(badCycle);
        badCycleIndex = 0;
      }
      Kind kind = badCycle.get(badCycleIndex++);
      if (kind != Kind.OVERSIZED || oversizedAllowed()) {
        return kind;
      }
    }
    throw new AssertionError("no bad kind available");
  }

  private List<Recent> duplicateCandidates() {
    Instant oldest = clock.instant().minus(EventFactory.DUPLICATE_HORIZON);
    List<Recent> candidates = new ArrayList<>();
    for (Recent recent : recentGood) {
      if (!recent.time().isBefore(oldest)) {
        candidates.add(recent);
      }
    }
    return candidates;
  }

  private void shuffle(List<Kind> kinds) {
    for (int i = kinds.size() - 1; i > 0; i--) {
      Collections.swap(kinds, i, random.nextInt(i + 1));
    }
  }
}
