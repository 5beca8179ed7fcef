package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.restassured.path.json.JsonPath;

/**
 * The request collections shipped for developers (command-service/write-api.http, query-service/read-api.http) run
 * against the stack: each request answers what the file says (2xx, or its {@code # @expect}). A small reader of the
 * format both the JetBrains HTTP Client and VS Code's REST Client share: {@code @var = value}, {@code ###} between
 * requests, {@code # @name}, {@code {{var}}}, {@code {{$uuid}}} and {@code {{name.response.body.x}}} /
 * {@code {{name.response.headers.X}}}. Neither client runs headless here, hence this reader.
 */
class HttpCollectionIT {
    private static final Pattern VARIABLE = Pattern.compile("\\{\\{\\s*([^}\\s]+)\\s*}}");

    private record Request(String title, String name, int expect, String method, String url,
            Map<String, String> headers, String body) {
    }

    private record Answer(int status, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final Map<String, String> variables = new HashMap<>();
    private final Map<String, Answer> named = new HashMap<>();

    @Test
    void theWriteAndReadCollectionsRunAgainstTheStack() throws Exception {
        String ops = Stack.script(Map.of(), "deploy/local/token", "--ops").trim();
        Map<String, String> overrides = new HashMap<>(Map.of("write", Stack.WRITE_API, "read", Stack.READ_API,
                "opsToken", ops));
        // customerToken: minted for the customer the collection created, as its comment tells a developer to
        Function<String, String> late = name -> {
            if (!name.equals("customerToken")) {
                return null;
            }
            try {
                return Stack.token(resolve("customer.response.body.id", overrides, n -> null)).substring(7);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        int written = run(Stack.REPO.resolve("command-service/write-api.http"), overrides, late);
        assertEquals(7, written);

        overrides.putAll(Map.of("orderId", resolve("order.response.body.id", overrides, late),
                "consistencyToken", named.get("shipped").header("Consistency-Token"),
                "customerId", resolve("customer.response.body.id", overrides, late),
                "customerToken", late.apply("customerToken")));
        int read = run(Stack.REPO.resolve("query-service/read-api.http"), overrides, late);
        assertEquals(7, read);
        assertEquals("SHIPPED", JsonPath.from(named.get("one").body()).getString("status"));
        assertTrue(JsonPath.from(named.get("page1").body()).getList("orders").size() >= 1);
    }

    private int run(Path file, Map<String, String> overrides, Function<String, String> late) throws Exception {
        variables.clear();
        List<Request> requests = parse(Files.readString(file));
        for (Request r : requests) {
            String url = substitute(r.url(), overrides, late);
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .method(r.method(), r.body().isEmpty() ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(substitute(r.body(), overrides, late)));
            for (var h : r.headers().entrySet()) {
                b.header(h.getKey(), substitute(h.getValue(), overrides, late));
            }
            Answer answer = send(b.build(), r.expect());
            assertTrue(r.expect() > 0 ? answer.status() == r.expect() : answer.status() / 100 == 2,
                    file.getFileName() + " '" + r.title() + "': " + answer.status() + " " + answer.body());
            if (r.name() != null) {
                named.put(r.name(), answer);
            }
        }
        return requests.size();
    }

    /** Sends; a 503 (a read not yet consistent with its token, a stalled machine) is retried for a few seconds. */
    private static Answer send(HttpRequest request, int expect) {
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(15)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        last.set(Stack.HTTP.send(request, HttpResponse.BodyHandlers.ofString()));
                        return last.get().statusCode() != 503 || expect == 503;
                    });
        } catch (org.awaitility.core.ConditionTimeoutException stillUnavailable) {
            // the last answer, a 503, is what the caller's assertion reports
        }
        HttpResponse<String> r = last.get();
        return new Answer(r.statusCode(), r.headers().map(), r.body());
    }

    private List<Request> parse(String text) {
        List<Request> requests = new ArrayList<>();
        String[] blocks = text.split("(?m)^###");
        for (int i = 0; i < blocks.length; i++) {
            String block = blocks[i];
            // the text before the first ### holds the file's variables; every later block starts with its title
            boolean preamble = i == 0;
            String title = preamble ? "" : block.lines().findFirst().orElse("").strip();
            String name = null;
            int expect = 0;
            String method = null;
            String url = null;
            Map<String, String> headers = new java.util.LinkedHashMap<>();
            StringBuilder body = new StringBuilder();
            boolean inBody = false;
            List<String> lines = block.lines().skip(preamble ? 0 : 1).toList();
            for (String line : lines) {
                if (method == null) {
                    Matcher var = Pattern.compile("^@(\\w+)\\s*=\\s*(.*)$").matcher(line);
                    if (var.matches()) {
                        variables.put(var.group(1), var.group(2).strip());
                    } else if (line.startsWith("# @name ")) {
                        name = line.substring(8).strip();
                    } else if (line.startsWith("# @expect ")) {
                        expect = Integer.parseInt(line.substring(10).strip());
                    } else if (!line.isBlank() && !line.startsWith("#")) {
                        String[] parts = line.strip().split("\\s+", 2);
                        method = parts[0];
                        url = parts[1];
                    }
                } else if (!inBody) {
                    if (line.isBlank()) {
                        inBody = true;
                    } else if (!line.startsWith("#")) {
                        int colon = line.indexOf(':');
                        headers.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
                    }
                } else {
                    body.append(line).append('\n');
                }
            }
            if (method != null) {
                requests.add(new Request(title, name, expect, method, url, headers, body.toString().strip()));
            }
        }
        return requests;
    }

    private String substitute(String s, Map<String, String> overrides, Function<String, String> late) {
        Matcher m = VARIABLE.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(resolve(m.group(1), overrides, late)));
        }
        return m.appendTail(out).toString();
    }

    private String resolve(String name, Map<String, String> overrides, Function<String, String> late) {
        if (name.equals("$uuid")) {
            return UUID.randomUUID().toString();
        }
        if (overrides.containsKey(name)) {
            return overrides.get(name);
        }
        String[] parts = name.split("\\.", 4);
        if (parts.length == 4 && parts[1].equals("response") && named.containsKey(parts[0])) {
            Answer a = named.get(parts[0]);
            return parts[2].equals("headers") ? a.header(parts[3]) : JsonPath.from(a.body()).getString(parts[3]);
        }
        if (variables.containsKey(name)) {
            return substitute(variables.get(name), overrides, late);
        }
        String computed = late.apply(name);
        if (computed == null) {
            throw new AssertionError("unresolved {{" + name + "}}");
        }
        return computed;
    }
}
