package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.restassured.path.json.JsonPath;

/**
 * deploy/local/status against the running stack: every component UP and every section on the screen (outbox backlog,
 * one consumer-lag line per partition of orders.events.v1, replica lag, cache hit ratio, 5xx/503/429 per service),
 * exit 0; with one component's port pointing at a closed port, that component DOWN and exit 1. Its snapshot of the
 * HTTP counters goes to a file of the test's own, so the developer's next `status` still compares with its own call.
 */
class StatusScriptIT {
    static final String ADA = "c0000000-0000-4000-8000-000000000001";
    static final String BODY = "{\"items\":[{\"productId\":\"a0000000-0000-4000-8000-000000000001\",\"quantity\":1}]}";
    static final String TOPIC = "orders.events.v1";
    static final List<String> COMPONENTS = List.of("write postgres", "read primary", "read replica", "pgbouncer",
            "redis", "kafka", "traces", "command-service", "query-service", "projector");
    static final List<String> SERVICES = List.of("command-service", "query-service", "projector");

    @TempDir
    static Path tmp;

    /** An order read twice through the read API, so the cache hit ratio has reads to count. */
    @BeforeAll
    static void readAnOrder() throws Exception {
        String ada = Stack.token(ADA);
        HttpResponse<String> created = Stack.post(Stack.WRITE_API + "/orders", ada, BODY);
        assertEquals(201, created.statusCode(), created.body());
        String id = JsonPath.from(created.body()).getString("id");
        Awaitility.await("the order readable").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> Stack.getStatus(Stack.READ_API + "/orders/" + id, ada) == 200);
        assertEquals(200, Stack.getStatus(Stack.READ_API + "/orders/" + id, ada));
    }

    @Test
    void everyComponentUpAndEverySectionShown() throws Exception {
        Map<String, String> env = Map.of("ORDERS_STATUS_SNAPSHOT", tmp.resolve("every-section.last").toString(),
                "NO_COLOR", "1");
        Stack.Run first = Stack.run(env, "deploy/local/status");
        String out = first.out();
        assertEquals(0, first.exitCode(), out);
        for (String c : COMPONENTS) {
            assertTrue(line(out, state(c, "UP")), c + " UP:\n" + out);
        }
        assertTrue(out.contains("all 10 components up"), out);
        assertTrue(line(out, "^outbox backlog +\\d+ rows unpublished, oldest [0-9.]+ s"), out);

        assertTrue(line(out, "^consumer lag +group \\S+: \\d+ member\\(s\\), total lag \\d+"), out);
        Matcher m = Pattern.compile("(?m)^  " + Pattern.quote(TOPIC) + " +(\\d+) +\\d+ +\\d+ +(\\d+) ").matcher(out);
        List<Integer> partitions = m.results().map(r -> Integer.parseInt(r.group(1))).toList();
        assertEquals(partitions.size(), Set.copyOf(partitions).size(), "one line per partition:\n" + out);
        assertEquals(partitionsOf(TOPIC), new TreeSet<>(partitions), "every partition of " + TOPIC + ":\n" + out);

        assertTrue(line(out, "^replica lag +(caught up|BEHIND): pending WAL \\d+ bytes .*replay_lag "), out);
        assertTrue(line(out, "^ +last replayed transaction [0-9.-]+ s ago"), out);
        assertTrue(line(out, "^cache hit ratio +[0-9.]+% of [1-9]\\d* order reads"), out);

        assertTrue(line(out, "^http errors +totals since each service started"), out);
        assertTrue(line(out, "^  SERVICE +5xx\\(all\\) +503 +429$"), out);
        for (String s : SERVICES) {
            assertTrue(line(out, "^  " + s + " +\\d+ +\\d+ +\\d+\\b"), s + " counts:\n" + out);
        }

        // the second call shows the change since the first, with its age
        String second = Stack.run(env, "deploy/local/status").out();
        assertTrue(line(second, "^http errors +change since the previous status call \\d+ s ago"), second);
        for (String s : SERVICES) {
            assertTrue(line(second, "^  " + s + " +\\d+ +\\d+ +\\d+\\b"), s + " counts:\n" + second);
        }
    }

    @Test
    void aComponentOnAClosedPortIsDownAndTheExitStatusIsOne() throws Exception {
        Stack.Run run = Stack.run(Map.of("REDIS_PORT", "1", "NO_COLOR", "1",
                "ORDERS_STATUS_SNAPSHOT", tmp.resolve("control.last").toString()), "deploy/local/status");
        String out = run.out();
        assertEquals(1, run.exitCode(), out);
        assertTrue(line(out, state("redis", "DOWN")), out);
        assertTrue(out.contains("127.0.0.1:1 "), "the port it probed:\n" + out);
        for (String c : COMPONENTS) {
            if (!c.equals("redis")) {
                assertTrue(line(out, state(c, "UP")), c + " still UP:\n" + out);
            }
        }
        assertTrue(out.contains("1 of 10 components DOWN"), out);
    }

    /** A component's line: its name, its address (host:port, or ":api mgmt :management" for a service), STATE. */
    private static String state(String component, String state) {
        return "^  " + Pattern.quote(component) + " +(\\S+|:\\d+ mgmt :\\d+) +" + state + "\\b";
    }

    private static boolean line(String out, String regex) {
        return Pattern.compile(regex, Pattern.MULTILINE).matcher(out).find();
    }

    /** The topic's partitions as the broker reports them. */
    private static Set<Integer> partitionsOf(String topic) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + Stack.env("KAFKA_PORT", "19092"));
        try (Admin admin = Admin.create(p)) {
            int n = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            assertEquals(6, n, topic + " partitions (deploy/lib/common.sh KAFKA_TOPICS)");
            return IntStream.range(0, n).boxed().collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
