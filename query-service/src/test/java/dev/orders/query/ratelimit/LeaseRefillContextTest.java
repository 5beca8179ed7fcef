package dev.orders.query.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * A refill shared by requests on two event loops completes on the loop of the request that started it; the other
 * request must get the grant back on its own context, never continue on the other loop (where another request's
 * context is current).
 */
class LeaseRefillContextTest {
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A context of its own, as each request has (a verticle gets the next event loop). */
    private Context eventLoopContext() throws Exception {
        CompletableFuture<Context> started = new CompletableFuture<>();
        vertx.deployVerticle(new AbstractVerticle() {
            @Override
            public void start() {
                started.complete(context);
            }
        }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return started.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aWaitingRequestGetsTheSharedGrantOnItsOwnContext() throws Exception {
        Context loopA = eventLoopContext();
        Context loopB = eventLoopContext();
        assertNotSame(loopA, loopB);
        Lease lease = new Lease();
        CompletableFuture<RateLimiter.Grant> redisAnswer = new CompletableFuture<>();
        AtomicInteger calls = new AtomicInteger();
        // the "Redis call": completes when the test says so, on loop A (where a Vert.x client would call back)
        Uni<RateLimiter.Grant> call = Uni.createFrom().emitter(e -> {
            calls.incrementAndGet();
            redisAnswer.thenAccept(g -> loopA.runOnContext(v -> e.complete(g)));
        });

        CompletableFuture<Context> deliveredToA = new CompletableFuture<>();
        CompletableFuture<Context> deliveredToB = new CompletableFuture<>();
        CompletableFuture<Void> bSubscribed = new CompletableFuture<>();
        loopA.runOnContext(v -> lease.refill(() -> call)
                .subscribe().with(g -> deliveredToA.complete(Vertx.currentContext())));
        loopB.runOnContext(v -> {
            lease.refill(() -> call).subscribe().with(g -> deliveredToB.complete(Vertx.currentContext()));
            bSubscribed.complete(null);
        });
        bSubscribed.get(10, TimeUnit.SECONDS);
        redisAnswer.complete(new RateLimiter.Grant(5, 95, 60_000));

        assertSame(loopA, deliveredToA.get(10, TimeUnit.SECONDS));
        assertSame(loopB, deliveredToB.get(10, TimeUnit.SECONDS), "B continued on another request's event loop");
        assertEquals(1, calls.get(), "one refill for both requests");
    }
}
