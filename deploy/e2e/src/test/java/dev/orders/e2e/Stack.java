package dev.orders.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** The running local stack as the end-to-end tests see it: scripts, pid files, databases, HTTP. */
final class Stack {
    static final Path REPO = Path.of(System.getProperty("orders.repo", "../..")).toAbsolutePath().normalize();
    static final Path STATE = Path.of(env("ORDERS_STATE_DIR", REPO.resolve(".local").toString()));
    static final String WRITE_API = env("ORDERS_WRITE_API", "http://127.0.0.1:" + env("COMMAND_PORT", "8081"));
    static final String READ_API = env("ORDERS_READ_API", "http://127.0.0.1:" + env("QUERY_PORT", "8082"));
    /**
     * The classic Prometheus text format, one value last on each line: the services' default answer is OpenMetrics,
     * whose lines may end with an exemplar (trace id, value, timestamp).
     */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Stack() {
    }

    /**
     * The management interface (health, metrics) of the service whose API is at {@code baseUrl}: the stack puts it
     * 1000 above the API port (8081 → 9081; the test stack's 8181 → 9181), and {@link #startSecond} does the same.
     */
    static String management(String baseUrl) {
        URI api = URI.create(baseUrl);
        return api.getScheme() + "://" + api.getHost() + ":" + (api.getPort() + 1000);
    }

    static String env(String name, String fallback) {
        return System.getenv().getOrDefault(name, fallback);
    }

    /** Runs a deploy/local script and fails on a non-zero exit; returns its stdout. */
    static String script(Map<String, String> extraEnv, String... args) throws IOException, InterruptedException {
        Run run = run(extraEnv, args);
        if (run.exitCode() != 0) {
            throw new AssertionError(String.join(" ", args) + " failed:\n" + run.out());
        }
        return run.out();
    }

    /** What a script printed on stdout, and its exit status. */
    record Run(int exitCode, String out) {
    }

    /** Runs a deploy/local script like {@link #script} but returns its exit status instead of failing on non-zero. */
    static Run run(Map<String, String> extraEnv, String... args) throws IOException, InterruptedException {
        String[] cmd = args.clone();
        cmd[0] = REPO.resolve(args[0]).toString();
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(REPO.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", args) + " did not finish within 180 s:\n" + out);
        }
        return new Run(p.exitValue(), out);
    }

    /**
     * Polls {@code deploy/local/check-consistency --customer} until it exits 0 (read model equals write model for that
     * customer) and returns what it printed; at the deadline the failure carries its last report.
     */
    static String awaitConsistent(String customer, Duration within) {
        String[] last = { "" };
        try {
            Awaitility.await().atMost(within).pollInterval(Duration.ofSeconds(1)).until(() -> {
                try {
                    last[0] = script(Map.of(), "deploy/local/check-consistency", "--customer", customer);
                    return true;
                } catch (AssertionError differs) {
                    last[0] = differs.getMessage();
                    return false;
                }
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not consistent within " + within + ":\n" + last[0], e);
        }
        return last[0];
    }

    /**
     * What a service jar's prod profile requires and has no default for (database passwords, the cursor key), as
     * deploy/lib/common.sh exports it to the stack and these tests; the local stack's values when run without it.
     */
    static Map<String, String> serviceSecrets() {
        return Map.of("ORDERS_DB_PASSWORD", env("ORDERS_DB_PASSWORD", "orders"),
                "ORDERS_READER_PASSWORD", env("ORDERS_READER_PASSWORD", "orders_reader"),
                "ORDERS_CURSOR_ACTIVE_KEY", env("ORDERS_CURSOR_ACTIVE_KEY", "local"),
                "ORDERS_CURSOR_KEYS_LOCAL", env("ORDERS_CURSOR_KEYS_LOCAL", "local-dev-cursor-secret-change-me"));
    }

    /**
     * Starts a second instance of {@code service} (its built jar) beside the stack's, on {@code baseUrl}'s port with
     * {@code extraEnv}, logging to logs/{@code service}-second.log, and waits until it is ready. The test stops it.
     */
    static Process startSecond(String service, String baseUrl, Map<String, String> extraEnv) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", REPO.resolve(service + "/target/quarkus-app/quarkus-run.jar").toString())
                .redirectErrorStream(true)
                .redirectOutput(STATE.resolve("logs/" + service + "-second.log").toFile());
        pb.environment().put("QUARKUS_HTTP_PORT", URI.create(baseUrl).getPort() + "");
        pb.environment().put("QUARKUS_MANAGEMENT_PORT", URI.create(management(baseUrl)).getPort() + "");
        pb.environment().putAll(serviceSecrets());
        pb.environment().putAll(extraEnv);
        Process second = pb.start();
        Awaitility.await(service + " second instance ready").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> getStatus(management(baseUrl) + "/q/health/ready", "") == 200);
        return second;
    }

    /**
     * The sum of a counter's series on the service at {@code baseUrl}, from its Prometheus endpoint: all of them, or
     * those whose line contains every one of {@code labels} (e.g. {@code method="..."}).
     */
    static double counter(String baseUrl, String name, String... labels) throws IOException, InterruptedException {
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(management(baseUrl) + "/q/metrics"))
                .header("Accept", PROMETHEUS_TEXT).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .filter(l -> Arrays.stream(labels).allMatch(l::contains))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    static String token(String subject) throws IOException, InterruptedException {
        return "Bearer " + script(Map.of(), "deploy/local/token", subject).trim();
    }

    /** Creates a fresh customer through the ops API (so checks can be scoped to it); returns its id. */
    static String newCustomer(String name, String emailPrefix) throws IOException, InterruptedException {
        String ops = "Bearer " + script(Map.of(), "deploy/local/token", "--ops").trim();
        HttpResponse<String> created = post(WRITE_API + "/customers", ops, "{\"name\":\"" + name + "\",\"email\":\""
                + emailPrefix + "-" + java.util.UUID.randomUUID() + "@example.com\"}");
        if (created.statusCode() != 201) {
            throw new AssertionError("creating customer: " + created.statusCode() + " " + created.body());
        }
        return io.restassured.path.json.JsonPath.from(created.body()).getString("id");
    }

    static long pidOf(String service) throws IOException {
        // first line: also right for Postgres' postmaster.pid
        return Long.parseLong(Files.readAllLines(STATE.resolve("run/" + service + ".pid")).get(0).trim());
    }

    /** Kills a service's process (SIGKILL when {@code hard}) and waits until it is gone. */
    static void kill(String service, boolean hard) throws IOException {
        ProcessHandle p = ProcessHandle.of(pidOf(service)).orElseThrow();
        if (hard) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !p.isAlive());
    }

    /** Sends a signal by name (e.g. INT: Postgres' fast shutdown) to a component of the stack. */
    static void signal(String component, String signal) throws IOException, InterruptedException {
        long pid = pidOf(component);
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new AssertionError("kill -" + signal + " " + pid + " failed");
        }
        ProcessHandle.of(pid).ifPresent(h -> Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !h.isAlive()));
    }

    /** Runs a command on PgBouncer's admin console (PAUSE/RESUME a pool); psql, as JDBC's start-up SETs are refused. */
    static void bouncerAdmin(String command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("psql", "-X", "-q", "-h", "127.0.0.1", "-p", env("PGBOUNCER_PORT", "16432"),
                "-U", env("ORDERS_DB_USER", "orders"), "-d", "pgbouncer", "-c", command).inheritIO();
        pb.environment().put("PGPASSWORD", env("ORDERS_DB_PASSWORD", "orders"));
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("pgbouncer admin '" + command + "' failed");
        }
    }

    static Connection writeDb() throws SQLException {
        return db(env("WRITE_PG_PORT", "15432"), "orders_write");
    }

    static Connection readDb() throws SQLException {
        return db(env("READ_PG_PORT", "15433"), "orders_read");
    }

    static Connection replica() throws SQLException {
        return db(env("REPLICA_PG_PORT", "15434"), "orders_read");
    }

    private static Connection db(String port, String name) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + name,
                env("ORDERS_DB_USER", "orders"), env("ORDERS_DB_PASSWORD", "orders"));
    }

    /** A write, retried after a 503 like {@link #postRetrying}; any other answer is returned as it is. */
    static HttpResponse<String> post(String url, String token, String body) {
        return postRetrying(url, token, body).join();
    }

    /**
     * A write as a well-behaved client sends it: with an Idempotency-Key, and again with the same key after the
     * Retry-After of a 503 (the write API sheds load and answers 503 when its database is slow, e.g. while a freshly
     * started instance warms up) or of a 409 saying the first attempt is still in flight, a few times at most.
     */
    static CompletableFuture<HttpResponse<String>> postRetrying(String url, String token, String body) {
        return postRetrying(url, token, body, UUID.randomUUID().toString(), 5);
    }

    private static CompletableFuture<HttpResponse<String>> postRetrying(String url, String token, String body,
            String key, int attempts) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", token).header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).thenCompose(r -> {
            // 503: not done in time; 409 key in flight: the first attempt has not finished yet. Both: ask again.
            boolean again = r.statusCode() == 503
                    || (r.statusCode() == 409 && r.body().contains("idempotency-key-in-flight"));
            if (!again || attempts <= 1) {
                return CompletableFuture.completedFuture(r);
            }
            long wait = r.headers().firstValueAsLong("Retry-After").orElse(1);
            return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(wait, TimeUnit.SECONDS))
                    .thenCompose(x -> postRetrying(url, token, body, key, attempts - 1));
        });
    }

    static HttpResponse<String> get(String url, String token, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .header("Authorization", token).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static int getStatus(String url, String token) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .header("Authorization", token).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
