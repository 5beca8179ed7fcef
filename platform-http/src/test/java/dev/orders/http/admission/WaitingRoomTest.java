package dev.orders.http.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class WaitingRoomTest {
    private static final long MS = 1_000_000;
    private final AtomicLong clock = new AtomicLong(1_000 * MS);
    // 3 places; 200 ms while draining, 10 ms once it has not been empty for 100 ms
    private final WaitingRoom<String> room = new WaitingRoom<>(3, 200 * MS, 10 * MS, 100 * MS, clock::get);

    @Test
    void aBurstThatDrainsIsServedOldestFirstWithTheLongWait() {
        assertEquals(200 * MS, room.offer("a").waitNanos());
        clock.addAndGet(20 * MS);
        assertEquals(200 * MS, room.offer("b").waitNanos());
        assertEquals("a", room.poll());
        assertEquals("b", room.poll());
        assertNull(room.poll());
        assertTrue(room.isEmpty());
    }

    @Test
    void aFullRoomTurnsTheNextAwayAtOnce() {
        room.offer("a");
        room.offer("b");
        room.offer("c");
        assertNull(room.offer("d"));
        assertEquals(3, room.size());
        room.poll();
        assertEquals(200 * MS, room.offer("d").waitNanos());
    }

    @Test
    void aStandingQueueServesTheNewestFirstAndLetsNewArrivalsWaitOnlyBriefly() {
        room.offer("a");
        clock.addAndGet(60 * MS);
        room.offer("b");
        assertEquals("a", room.poll()); // 60 ms without emptying: still a burst
        clock.addAndGet(60 * MS);
        // not empty for 120 ms: standing
        assertEquals(10 * MS, room.offer("c").waitNanos());
        assertEquals("c", room.poll(), "newest first");
        assertEquals("b", room.poll());
        // emptied: the next arrival is a burst again
        clock.addAndGet(500 * MS);
        assertEquals(200 * MS, room.offer("d").waitNanos());
        assertEquals("d", room.poll());
    }

    @Test
    void anEntryWhoseWaitRanOutIsRemovedOnceAndNeverPolled() {
        WaitingRoom.Entry<String> a = room.offer("a");
        room.offer("b");
        assertTrue(room.remove(a));
        assertFalse(room.remove(a), "a second timeout of the same entry is a no-op");
        assertEquals("b", room.poll());
        WaitingRoom.Entry<String> c = room.offer("c");
        assertEquals("c", room.poll());
        assertFalse(room.remove(c), "admitted before its wait ran out: nothing to reject");
    }

    @Test
    void timedOutEntriesEmptyingTheRoomEndTheStandingQueue() {
        WaitingRoom.Entry<String> a = room.offer("a");
        clock.addAndGet(150 * MS);
        assertEquals(10 * MS, room.offer("b").waitNanos());
        room.remove(a);
        assertEquals("b", room.poll());
        clock.addAndGet(1 * MS);
        assertEquals(200 * MS, room.offer("c").waitNanos(), "the room emptied: a new burst");
    }
}
