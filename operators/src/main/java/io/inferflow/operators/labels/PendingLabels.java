package io.inferflow.operators.labels;

import io.inferflow.schemas.avro.LabelJoinEntry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the labels join holds on one subtask: event id to {@link LabelJoinEntry}, oldest first,
 * at most {@code capacity} of them. An entry leaves one join window after it came ({@link
 * #expire}), or earlier as the oldest when a new one needs room ({@link #put} returns it), so the
 * join's memory is bounded by the capacity whatever the rate and however few labels arrive.
 *
 * <p>Entries come in processing-time order, so the oldest is always the first to expire.
 */
final class PendingLabels {

    private final int capacity;
    private final long windowMillis;
    private final LinkedHashMap<String, LabelJoinEntry> entries = new LinkedHashMap<>();

    PendingLabels(int capacity, long windowMillis) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.windowMillis = windowMillis;
    }

    LabelJoinEntry get(String eventId) {
        return entries.get(eventId);
    }

    /** Removes the entry of {@code eventId} (its pair met). */
    void remove(String eventId) {
        entries.remove(eventId);
    }

    /** Adds a new entry; returns the oldest one, removed to make room, or null. */
    LabelJoinEntry put(LabelJoinEntry entry) {
        LabelJoinEntry evicted = null;
        if (entries.size() >= capacity && !entries.containsKey(entry.getEventId())) {
            Iterator<LabelJoinEntry> oldest = entries.values().iterator();
            evicted = oldest.next();
            oldest.remove();
        }
        entries.put(entry.getEventId(), entry);
        return evicted;
    }

    /** Removes every entry that came one window or longer before {@code now}, oldest first. */
    void expire(long now, Consumer<LabelJoinEntry> expired) {
        Iterator<LabelJoinEntry> it = entries.values().iterator();
        while (it.hasNext()) {
            LabelJoinEntry e = it.next();
            if (e.getHeldSince() + windowMillis > now) {
                return;
            }
            it.remove();
            expired.accept(e);
        }
    }

    /** When the oldest entry expires; {@code Long.MAX_VALUE} when there is none. */
    long nextExpiry() {
        return entries.isEmpty()
                ? Long.MAX_VALUE
                : entries.values().iterator().next().getHeldSince() + windowMillis;
    }

    int size() {
        return entries.size();
    }

    /** The entries, oldest first (a copy, for a snapshot). */
    List<LabelJoinEntry> entries() {
        return new ArrayList<>(entries.values());
    }

    /** Replaces the content, keeping the processing-time order and the capacity. */
    void restore(Collection<LabelJoinEntry> restored, Consumer<LabelJoinEntry> evicted) {
        entries.clear();
        restored.stream()
                .sorted(java.util.Comparator.comparingLong(LabelJoinEntry::getHeldSince))
                .forEach(e -> {
                    LabelJoinEntry out = put(e);
                    if (out != null) {
                        evicted.accept(out);
                    }
                });
    }
}
