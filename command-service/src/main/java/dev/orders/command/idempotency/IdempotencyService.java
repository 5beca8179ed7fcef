package dev.orders.command.idempotency;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.command.repository.BatchedDelete;
import dev.orders.http.problem.ProblemException;
import dev.orders.http.problem.ProblemType;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Idempotency-Key handling with Stripe's semantics, scoped per principal:
 * <ul>
 * <li>first request with a key: claimed (IN_FLIGHT), executed, and its response stored in the same transaction;</li>
 * <li>replay after completion: the stored status and body, plus {@code Idempotent-Replayed: true};</li>
 * <li>same key, different request: 422; same key while the first is still running: 409;</li>
 * <li>a request that fails (validation, conflict, crash) releases its claim, so nothing is stored for it;</li>
 * <li>keys expire after {@code orders.idempotency.ttl} (24 h) and are purged.</li>
 * </ul>
 * Hand-written: no Quarkus extension implements idempotency keys, and the guarantee depends on sharing the
 * transaction of the change.
 */
@ApplicationScoped
public class IdempotencyService {
    /** What a key may be: a UUID, a ULID or a "job:42.retry-1" fit; no spaces, quotes or control characters. */
    /** What an Idempotency-Key may be (also the OpenAPI parameter's pattern). */
    public static final String KEY_PATTERN = "^[A-Za-z0-9._:-]{1,128}$";
    public static final Pattern KEY = Pattern.compile(KEY_PATTERN);
    static final ProblemType KEY_REUSED = ProblemType.of("idempotency-key-reused",
            "Idempotency-Key was already used for a different request");
    static final ProblemType KEY_IN_FLIGHT = ProblemType.of("idempotency-key-in-flight",
            "A request with this Idempotency-Key is still being processed");
    private static final Logger LOG = Logger.getLogger(IdempotencyService.class);
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };

    // Takes the key when it is new, expired, or abandoned (IN_FLIGHT past the lock timeout, e.g. after a crash).
    public static final String CLAIM = """
            INSERT INTO idempotency_keys (principal, idem_key, request_hash, state, locked_at, expires_at)
            VALUES ($1, $2, $3, 'IN_FLIGHT', now(), now() + $4::bigint * interval '1 second')
            ON CONFLICT (principal, idem_key) DO UPDATE
               SET request_hash = EXCLUDED.request_hash, state = 'IN_FLIGHT', locked_at = now(),
                   expires_at = EXCLUDED.expires_at, response_status = NULL, response_body = NULL,
                   response_headers = NULL
             WHERE idempotency_keys.expires_at < now()
                OR (idempotency_keys.state = 'IN_FLIGHT' AND idempotency_keys.locked_at < now() - $5::bigint * interval '1 second'
                    AND idempotency_keys.request_hash = EXCLUDED.request_hash)
            RETURNING 1""";
    public static final String EXISTING = """
            SELECT request_hash, state, response_status, response_body, response_headers AS headers
              FROM idempotency_keys WHERE principal = $1 AND idem_key = $2""";
    public static final String RELEASE = """
            DELETE FROM idempotency_keys WHERE principal = $1 AND idem_key = $2 AND state = 'IN_FLIGHT'""";
    /**
     * Served by idempotency_keys_expires_idx; {@link BatchedDelete} runs it until nothing expired is left. The expiry
     * is checked again on the row deleted: a key reused ({@link #CLAIM}) while the purge ran is re-read by the DELETE
     * in its new version, which the subquery's condition alone would not look at, and the fresh claim was deleted.
     */
    public static final String PURGE_EXPIRED = """
            DELETE FROM idempotency_keys WHERE (principal, idem_key) IN (
                SELECT principal, idem_key FROM idempotency_keys WHERE expires_at < now() LIMIT $1)
               AND expires_at < now()""";
    private static final int PURGE_BATCH = 5_000;
    private static final String COMPLETE = """
            UPDATE idempotency_keys
               SET state = 'COMPLETED', response_status = ?1, response_body = ?2, response_headers = ?3
             WHERE principal = ?4 AND idem_key = ?5""";

    private final Pool pool;
    private final ObjectMapper json;
    private final Duration ttl;
    private final Duration lockTimeout;

    public IdempotencyService(Pool pool, ObjectMapper json, IdempotencyConfig config) {
        this.pool = pool;
        this.json = json;
        this.ttl = config.ttl();
        this.lockTimeout = config.lockTimeout();
    }

    /**
     * Runs {@code operation} at most once per (principal, key, request). {@code key} null means no idempotency.
     * {@code fingerprint} identifies the request (method, path, body); see {@link #fingerprint}.
     */
    public Uni<StoredResponse> run(String principal, String key, String fingerprint,
            Function<IdempotencyClaim, Uni<StoredResponse>> operation) {
        if (key == null) {
            return operation.apply(IdempotencyClaim.NONE);
        }
        try {
            checkKey(key);
        } catch (ProblemException e) {
            return Uni.createFrom().failure(e);
        }
        return pool.preparedQuery(CLAIM)
                .execute(Tuple.of(principal, key, fingerprint, ttl.toSeconds(), lockTimeout.toSeconds()))
                .chain(claimed -> claimed.rowCount() == 1
                        ? execute(principal, key, operation)
                        : existing(principal, key, fingerprint));
    }

    /** A 400 naming the header unless {@code key} matches {@link #KEY}. */
    static void checkKey(String key) {
        if (!KEY.matcher(key).matches()) {
            throw ProblemException.invalid(IdempotencyKeyGuard.HEADER,
                    "must be 1 to 128 characters of A-Z a-z 0-9 . _ : -");
        }
    }

    private Uni<StoredResponse> execute(String principal, String key,
            Function<IdempotencyClaim, Uni<StoredResponse>> operation) {
        IdempotencyClaim claim = response -> Panache.getSession()
                .chain(s -> s.createNativeQuery(COMPLETE)
                        .setParameter(1, response.status())
                        .setParameter(2, write(response.body()))
                        .setParameter(3, write(response.headers()))
                        .setParameter(4, principal)
                        .setParameter(5, key)
                        .executeUpdate())
                .replaceWithVoid();
        return operation.apply(claim)
                .onFailure().call(e -> pool.preparedQuery(RELEASE).execute(Tuple.of(principal, key))
                        .onFailure().invoke(r -> LOG.warnf("could not release idempotency key: %s", r))
                        .onFailure().recoverWithNull());
    }

    private Uni<StoredResponse> existing(String principal, String key, String fingerprint) {
        return pool.preparedQuery(EXISTING).execute(Tuple.of(principal, key)).map(rows -> {
            if (rows.size() == 0) {
                // Released between our claim attempt and this read: the client may simply retry.
                throw new ProblemException(409, KEY_IN_FLIGHT, "a request with this key just failed; retry it");
            }
            Row row = rows.iterator().next();
            if (!fingerprint.equals(row.getString("request_hash"))) {
                throw ProblemException.unprocessable(KEY_REUSED,
                        "this Idempotency-Key was used for a different request; use a new key");
            }
            if ("IN_FLIGHT".equals(row.getString("state"))) {
                throw new ProblemException(409, KEY_IN_FLIGHT,
                        "the first request with this Idempotency-Key is still in progress; retry later");
            }
            return new StoredResponse(row.getInteger("response_status"),
                    new RawJson(row.getString("response_body")), read(row.getString("headers")), true);
        });
    }

    /** SHA-256 of what makes two requests "the same": method, path, and the canonical JSON of the body. */
    public String fingerprint(String method, String path, Object body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((method + " " + path + "\n").getBytes(StandardCharsets.UTF_8));
            sha.update(write(body).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Scheduled(every = "${orders.idempotency.purge-every:15m}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> purgeExpired() {
        return BatchedDelete.untilDone(pool, PURGE_EXPIRED, PURGE_BATCH)
                .invoke(n -> LOG.debugf("purged %d expired idempotency keys", n))
                .onFailure().invoke(e -> LOG.warn("idempotency key purge failed; will retry", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private String write(Object value) {
        try {
            return value instanceof RawJson raw ? raw.json() : json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, String> read(String headers) {
        try {
            return headers == null ? Map.of() : json.readValue(headers, HEADERS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
