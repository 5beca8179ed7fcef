package dev.orders.query.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class RevisionFloorsTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @Test
    void aFloorOnlyRises() {
        RevisionFloors floors = new RevisionFloors(10, Duration.ofMinutes(10), clock::get);
        UUID id = UUID.randomUUID();
        assertEquals(0, floors.get(id), "no floor before an announcement");
        floors.raise(id, 7);
        assertEquals(7, floors.get(id));
        floors.raise(id, 5); // an older announcement arriving late
        assertEquals(7, floors.get(id));
        floors.raise(id, 9);
        assertEquals(9, floors.get(id));
    }

    @Test
    void aFloorIsForgottenItsTtlAfterItWasLastRaised() {
        RevisionFloors floors = new RevisionFloors(10, Duration.ofSeconds(10), clock::get);
        UUID id = UUID.randomUUID();
        floors.raise(id, 3);
        clock.addAndGet(Duration.ofSeconds(9).toNanos());
        floors.raise(id, 4);
        clock.addAndGet(Duration.ofSeconds(9).toNanos());
        assertEquals(4, floors.get(id), "kept: raised 9 s ago");
        clock.addAndGet(Duration.ofSeconds(1).toNanos());
        assertEquals(0, floors.get(id), "forgotten 10 s after the last raise");
        floors.raise(id, 2); // an expired floor does not hold a new, lower one back
        assertEquals(2, floors.get(id));
    }

    @Test
    void ordersSharingASlotNeverSeeEachOthersFloor() {
        // two slots for 200 orders: most announcements take another order's slot
        RevisionFloors floors = new RevisionFloors(1, Duration.ofMinutes(10), clock::get);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            UUID id = UUID.randomUUID();
            ids.add(id);
            floors.raise(id, 1000 + i);
        }
        int kept = 0;
        for (int i = 0; i < ids.size(); i++) {
            long floor = floors.get(ids.get(i));
            assertTrue(floor == 0 || floor == 1000 + i, "order " + i + " got floor " + floor);
            kept += floor == 0 ? 0 : 1;
        }
        assertTrue(kept >= 1 && kept <= 2, "the last order in each used slot keeps its floor, got " + kept);
        assertEquals(1199, floors.get(ids.get(199)), "the last announcement holds its slot");
    }

    @Test
    void concurrentRaisesKeepTheHighest() throws InterruptedException {
        RevisionFloors floors = new RevisionFloors(4, Duration.ofMinutes(10));
        UUID id = UUID.randomUUID();
        int threads = 4;
        int each = 20_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int offset = t;
            Thread thread = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < each; i++) {
                    floors.raise(id, (long) i * threads + offset);
                }
            });
            running.add(thread);
        }
        go.countDown();
        for (Thread thread : running) {
            thread.join(Duration.ofSeconds(30));
        }
        assertEquals((long) (each - 1) * threads + threads - 1, floors.get(id));
    }
}
