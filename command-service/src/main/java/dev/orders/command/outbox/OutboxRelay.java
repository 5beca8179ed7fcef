package dev.orders.command.outbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.events.Topics;
import dev.orders.tracing.TraceContexts;
import io.opentelemetry.context.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;

/**
 * Publishes outbox rows to Kafka. One relay at a time, across all instances, holds the relay lock (a transaction-level
 * advisory lock, which PgBouncer's transaction pooling carries) for the transaction that claims a batch in
 * {@code seq} order, sends it, and marks it published once the broker acknowledged every record of it. Instances
 * therefore take turns batch by batch, and an order's events leave in the order they were written, however many
 * instances relay: with {@code SKIP LOCKED}, a second relay could publish version 2 while the first still sent
 * version 1. A crash before the mark re-sends the batch: delivery is at-least-once and consumers apply events
 * idempotently by aggregate version.
 *
 * <p>The transaction lasts at most the send deadline ({@code orders.outbox.send-timeout}, under the role's
 * idle_in_transaction_session_timeout); a relay waiting for the lock gives up on the role's lock_timeout and its poll
 * tries again. A transaction whose connection stopped answering is given up after {@code orders.outbox.batch-deadline},
 * so that the drain ends and the next poll relays on another connection.
 *
 * <p>Woken by a local commit ({@link OutboxCommitted}) and by a short poll that catches rows left by a writer that died
 * before its wake-up or whose relay is off. A commit drains at once when no batch that claimed rows started within the
 * last {@code orders.outbox.wake-delay}; otherwise its wake-up waits until that long after that batch's start, so
 * under load the commits of that window leave as one batch, and a lone write after a quiet moment waits for nothing.
 * A graceful stop relays what is still waiting before the emitter and the pools close ({@link #finalDrain()}), so the
 * last commits' wake-up, pending when the stop came, does not leave their rows to another instance's poll or to this
 * one's next start. No NOTIFY: a notifying commit holds a cluster-wide lock until its WAL flush, which serialized
 * every write (migration V5); and since any relay drains every instance's rows, each instance waking its own relay
 * covers them all.
 */
@ApplicationScoped
public class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    /** The relay lock's key (pg_advisory_xact_lock): 'outbox' in ASCII. */
    public static final long RELAY_LOCK_KEY = 0x6f7574626f78L;
    // The batch commits synchronously. Committing it without waiting for its WAL flush (all it writes is the published
    // mark, which a crash may lose at the cost of a re-send) was tried and showed no gain: its two runs turned writes
    // away at half load, and so did a later run without it (BENCHMARKS.md, session 34).
    public static final String TAKE_RELAY_LOCK = "SELECT pg_advisory_xact_lock(" + RELAY_LOCK_KEY + ")";
    public static final String CLAIM_BATCH = """
            SELECT id, aggregatetype, aggregateid, type, schemaversion, payload::text AS payload,
                   trace_context::text AS trace_context
              FROM outbox
             WHERE published_at IS NULL
             ORDER BY seq
             LIMIT $1""";
    public static final String MARK_PUBLISHED = "UPDATE outbox SET published_at = now() WHERE id = ANY($1)";

    /** How long a graceful stop waits for its last drain: a healthy one takes milliseconds. */
    static final Duration FINAL_DRAIN_WAIT = Duration.ofSeconds(2);

    private final Pool pool;
    private final MutinyEmitter<String> emitter;
    private final int batchSize;
    private final Duration sendTimeout;
    private final Duration batchDeadline;
    private final long wakeDelayNanos;
    /**
     * When the last batch started (System.nanoTime), a commit within the wake-up delay after it waits; moved back by
     * the delay once a batch claimed nothing, so that an idle poll holds back no commit.
     */
    private volatile long lastBatchNanos;
    /** A delayed wake-up is pending: later commits of its window ride on it. */
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private volatile boolean enabled;
    /** The running drain's completion, or null when none runs: one drain per instance, and what pause() waits for. */
    private final AtomicReference<CompletableFuture<Void>> draining = new AtomicReference<>();
    /** Whether the application runs: the emitter is connected only once reactive messaging has started. */
    private final NotRunning lifecycle;
    private final Counter relayed;
    private volatile boolean wakeAgain;
    private final TraceContexts traces;
    private final ObjectMapper json;
    private final Vertx vertx;

    public OutboxRelay(Pool pool, @Channel("order-events") MutinyEmitter<String> emitter, MeterRegistry registry,
            OutboxConfig config, TraceContexts traces, ObjectMapper json, Vertx vertx, NotRunning lifecycle) {
        this.pool = pool;
        this.lifecycle = lifecycle;
        this.vertx = vertx;
        this.traces = traces;
        this.json = json;
        this.emitter = emitter;
        this.batchSize = config.batchSize();
        this.sendTimeout = config.sendTimeout();
        this.batchDeadline = config.batchDeadline();
        this.wakeDelayNanos = config.wakeDelay().toNanos();
        this.lastBatchNanos = System.nanoTime() - wakeDelayNanos; // idle: the first commit drains at once
        this.enabled = config.relayEnabled();
        this.relayed = registry.counter("outbox.relayed");
    }

    /** Relays what is already waiting; after {@link NotRunning} has turned on (a later priority). */
    void onStart(@Observes @Priority(NotRunning.STARTS + 1) StartupEvent event) {
        nudge();
    }

    /**
     * On a graceful stop (SIGTERM), relays what is waiting: once any running drain has ended, one more, whose claim
     * sees every commit made before it. It waits at most {@link #FINAL_DRAIN_WAIT}: a stop that cannot reach Kafka or
     * the database leaves the rows to the next relay (a send it abandons marks nothing, and its transaction ends with
     * the process), and the pod's grace period (k8s/base: 45 s against the preStop's 5 s and
     * quarkus.shutdown.timeout's 30 s) still covers it. It runs once {@link NotRunning} has turned off (a higher
     * priority runs later), so no poll or wake-up starts a drain after it, and before the Kafka connector and the pools
     * close (once the application scope is destroyed, after this event).
     */
    void onStop(@Observes @Priority(NotRunning.STOPS + 1) ShutdownEvent event) {
        finalDrain();
    }

    /** The stop's last drain (see {@link #onStop}); package-private for the test, which cannot stop the application. */
    void finalDrain() {
        if (!enabled) {
            return;
        }
        try {
            int relayedNow = afterRunningDrain().chain(this::drain).call(this::afterRunningDrain)
                    .await().atMost(FINAL_DRAIN_WAIT);
            LOG.debugf("outbox relay: %d rows relayed at shutdown", relayedNow);
        } catch (RuntimeException e) {
            LOG.warnf("outbox relay: the last drain at shutdown failed or outlasted %s (%s); the next relay"
                    + " (another instance's poll, or this one's next start) publishes what is left", FINAL_DRAIN_WAIT,
                    e.toString());
        }
    }

    /** Completes once no drain runs here (a drain started meanwhile, by a late wake-up, is waited for too). */
    private Uni<Void> afterRunningDrain() {
        CompletableFuture<Void> running = draining.get();
        return running == null ? Uni.createFrom().voidItem()
                : Uni.createFrom().completionStage(running.copy()).chain(this::afterRunningDrain);
    }

    /**
     * Stops this instance's relay (rows keep accumulating in the outbox; other instances keep relaying); used by
     * operators and crash-safety tests. The returned Uni completes once no drain runs here, so this instance claims
     * nothing committed after it completes until {@link #resume()}: a drain already running stops before its next
     * batch, or ends the batch it had claimed (marked published, or rolled back on a failed or late send, when records
     * already handed to the producer may still reach Kafka: at-least-once, as always).
     */
    public Uni<Void> pause() {
        enabled = false;
        CompletableFuture<Void> running = draining.get();
        // a copy: a caller that gives up waiting cancels its own stage, not the drain's completion other callers await
        return running == null ? Uni.createFrom().voidItem() : Uni.createFrom().completionStage(running.copy());
    }

    public void resume() {
        enabled = true;
        nudge();
    }

    /**
     * A write that appended to the outbox committed on this instance: drain rather than wait for the next poll, at once
     * when no batch that claimed rows started within the wake-up delay, else at that delay after that batch's start
     * (a leading-edge throttle: the delay costs a write nothing when the relay was idle, and still gathers a busy
     * moment's commits).
     */
    void onCommitted(@Observes OutboxCommitted committed) {
        if (wakePending.get()) {
            return; // a wake-up is already on its way: this commit rides on it
        }
        long waitNanos = lastBatchNanos + wakeDelayNanos - System.nanoTime();
        if (waitNanos <= 0) {
            // While a drain runs (a batch longer than the delay, under load), it goes round once more for this commit:
            // no new context and task for a drain that could only lose the race for it. Raised before the check, as
            // in drain(): a drain that ends in between reads it after clearing its slot, or the check sees no drain.
            wakeAgain = true;
            if (draining.get() == null) {
                nudge();
            }
        } else if (wakePending.compareAndSet(false, true)) {
            // rounded up: the timer never fires before the delay has passed
            vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos + 999_999)), id -> {
                wakePending.set(false);
                nudge();
            });
        }
    }

    /**
     * How long ago the last batch started, or (once a batch claimed nothing) the delay more than that: past the delay,
     * the next commit drains at once. Tests wait for a quiet relay with it.
     */
    long nanosSinceLastBatch() {
        return System.nanoTime() - lastBatchNanos;
    }

    /**
     * Ask for a drain soon; cheap and safe to call after every commit. The drain runs on a Vert.x context of its own:
     * called from a request, it must not run as part of that request (its trace, its request-scoped state).
     */
    private void nudge() {
        if (enabled && lifecycle.running()) { // not once shut down: a delayed wake-up must not drain on closing pools
            VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext()).runOnContext(
                    ignored -> drain().subscribe().with(n -> {
                    }, e -> LOG.warn("outbox relay failed; the poll will retry", e)));
        }
    }

    @Scheduled(every = "${orders.outbox.poll-interval:1s}", delayed = "${orders.outbox.poll-delay:1s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = NotRunning.class)
    Uni<Void> poll() {
        return enabled ? drain().replaceWithVoid().onFailure().recoverWithNull() : Uni.createFrom().voidItem();
    }

    /**
     * Relays batches until the outbox is empty. Only one drain runs per instance; a wake-up arriving meanwhile makes
     * the running drain go round once more instead of starting a second one.
     */
    public Uni<Integer> drain() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        // Raised before the attempt: a running drain that finishes between a failed attempt and a later write would
        // read it unset and stop, leaving this wake-up's rows to the poll. The winner clears it: its claim sees them.
        wakeAgain = true;
        if (!draining.compareAndSet(null, done)) {
            return Uni.createFrom().item(0);
        }
        wakeAgain = false;
        // deferred: a failure while building the first batch's pipeline still reaches eventually() below
        return Uni.createFrom().deferred(() -> relayUntilEmpty(0))
                .eventually(() -> {
                    draining.set(null);
                    done.complete(null);
                })
                .call(total -> wakeAgain ? drain() : Uni.createFrom().item(0))
                .onFailure().invoke(e -> LOG.warn("outbox relay failed; the poll will retry", e));
    }

    private Uni<Integer> relayUntilEmpty(int soFar) {
        if (!enabled) { // paused: stop between batches
            return Uni.createFrom().item(soFar);
        }
        long started = System.nanoTime();
        lastBatchNanos = started;
        return pool.withTransaction(this::relayOneBatch)
                // outside the transaction: a ROLLBACK on a connection that stopped answering would wait as long
                .ifNoItem().after(batchDeadline).failWith(() -> new TimeoutException(
                        "a relay transaction did not end within " + batchDeadline))
                .invoke(n -> {
                    relayed.increment(n); // counted once the mark committed
                    if (n == 0) { // nothing was waiting (an idle poll): the next commit need not wait for this one
                        lastBatchNanos = started - wakeDelayNanos;
                    }
                })
                .chain(n -> n == batchSize ? relayUntilEmpty(soFar + n) : Uni.createFrom().item(soFar + n));
    }

    private Uni<Integer> relayOneBatch(SqlConnection conn) {
        return conn.query(TAKE_RELAY_LOCK).execute()
                // paused while waiting for the lock (up to the role's lock_timeout): claim nothing
                .chain(() -> enabled ? claimAndSend(conn) : Uni.createFrom().item(0));
    }

    private Uni<Integer> claimAndSend(SqlConnection conn) {
        return conn.preparedQuery(CLAIM_BATCH).execute(Tuple.of(batchSize)).chain(rows -> {
            if (rows.size() == 0) {
                return Uni.createFrom().item(0);
            }
            List<UUID> ids = new ArrayList<>(rows.size());
            List<Uni<Void>> sends = new ArrayList<>(rows.size());
            for (Row row : rows) {
                ids.add(row.getUUID("id"));
                sends.add(send(row));
            }
            // Sequential subscription keeps seq order into the producer; the idempotent producer keeps it on the wire.
            return Uni.join().all(sends).andFailFast()
                    .ifNoItem().after(sendTimeout).failWith(() -> new TimeoutException(
                            "Kafka did not acknowledge " + ids.size() + " records within " + sendTimeout))
                    .chain(() -> conn.preparedQuery(MARK_PUBLISHED).execute(Tuple.of(ids.toArray(UUID[]::new))))
                    .map(r -> ids.size());
        });
    }

    private Uni<Void> send(Row row) {
        String key = row.getString("aggregateid");
        var metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(Topics.forAggregateType(row.getString("aggregatetype")))
                .withKey(key)
                .withHeaders(List.of(
                        header("id", row.getUUID("id").toString()),
                        header("type", row.getString("type")),
                        header("schemaVersion", String.valueOf(row.getInteger("schemaversion"))),
                        header("ce_specversion", "1.0"),
                        header("ce_id", row.getUUID("id").toString()),
                        header("ce_type", "dev.orders." + row.getString("type")),
                        header("ce_source", "/command-service"),
                        header("ce_subject", key),
                        header("content-type", "application/json")))
                .build();
        // The connector's producer span ("<topic> publish") continues the writing request's trace and puts its
        // traceparent in the record's headers; a row without a trace context starts no trace (ApiRequestSampler).
        return emitter.sendMessage(Message.of(row.getString("payload")).addMetadata(metadata)
                .addMetadata(TracingMetadata.withCurrent(traceContextOf(row))));
    }

    private Context traceContextOf(Row row) {
        String stored = row.getString("trace_context");
        if (stored == null) {
            return Context.root();
        }
        try {
            return traces.fromFields(json.readValue(stored, FIELDS));
        } catch (JsonProcessingException e) {
            LOG.debugf("outbox row %s: unreadable trace context %s", row.getUUID("id"), stored);
            return Context.root();
        }
    }

    private static final TypeReference<java.util.Map<String, String>> FIELDS = new TypeReference<>() {
    };

    /**
     * Skips the poll until the application has started, and again once it shuts down. The scheduler's first trigger
     * can come before Reactive Messaging has connected the emitter, and calling the poll creates this bean, whose
     * emitter cannot be injected yet: an error with a stack trace in the log of a start that then works. A trigger
     * during shutdown could run after the CDI container was gone (a NullPointerException the scheduler logs as
     * "Error Occurred After Shutdown"). Quarkus's {@code Scheduled.ApplicationNotRunning} does the same, but starts
     * at the default observer priority, before Reactive Messaging has wired the emitter.
     */
    @Singleton
    public static class NotRunning implements Scheduled.SkipPredicate {
        /** The start-up priority at which it turns on. */
        static final int STARTS = Interceptor.Priority.PLATFORM_AFTER + 100;
        /** The shutdown priority at which it turns off. */
        static final int STOPS = Interceptor.Priority.APPLICATION + 500;
        private volatile boolean running;

        void onStart(@Observes @Priority(STARTS) StartupEvent event) {
            running = true;
        }

        void onStop(@Observes @Priority(STOPS) ShutdownEvent event) {
            running = false;
        }

        boolean running() {
            return running;
        }

        @Override
        public boolean test(ScheduledExecution execution) {
            return !running;
        }
    }

    private static RecordHeader header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
