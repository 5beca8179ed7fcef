package dev.orders.k8s;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Whether an environment variable set on a service's container is a setting that service reads, so that a typo is
 * not silently ignored. A key is read when it is, in environment-variable form:
 * <ol>
 * <li>a key of the service's application.properties (any profile), or a {@code ${VAR}} it references;</li>
 * <li>a run-time property of Quarkus's configuration model for an extension the service depends on: each
 * extension jar ships its model (META-INF/quarkus-config-doc/quarkus-config-model.json) and its pom, so the set is
 * the service's own io.quarkus dependencies (and those of the project modules it uses) and what they pull in;</li>
 * <li>an entry of one of the service's own maps on {@link #MAPS} ({@code orders.cursor.keys.<id>});</li>
 * <li>a Kafka client setting {@code KAFKA_<NAME>} of a service with Quarkus's Kafka client, which reads every
 * {@code kafka.*} property as a default of every channel's clients ({@link #kafkaClientSetting});</li>
 * <li>or on {@link #ALLOWED}, the documented list of settings outside Quarkus's model (MicroProfile JWT), or one of
 * {@link #JVM_LAUNCHER}'s.</li>
 * </ol>
 * A property that Quarkus fixes at build time is rejected even if known: set in a ConfigMap it has no effect.
 */
final class ConfigKeys {

    /**
     * Settings read by libraries that Quarkus's model does not describe, per extension that brings the library. Only
     * MicroProfile JWT's verification keys (MP JWT 2.1, read by smallrye-jwt) so far.
     */
    static final Map<String, Set<String>> ALLOWED = Map.of(
            "quarkus-smallrye-jwt", Set.of(
                    "mp.jwt.verify.issuer", "mp.jwt.verify.audiences", "mp.jwt.verify.publickey",
                    "mp.jwt.verify.publickey.location", "mp.jwt.verify.publickey.algorithm",
                    "mp.jwt.verify.clock.skew", "mp.jwt.verify.token.age", "mp.jwt.token.header",
                    "mp.jwt.token.cookie", "mp.jwt.decrypt.key.location", "mp.jwt.decrypt.key.algorithm"));

    /**
     * Read before Quarkus starts, by what starts the JVM in every service's image: UBI's run-java.sh (its heap share of
     * the memory limit) and the java launcher itself (options it adds to the command line). The orders-jvm ConfigMap.
     */
    static final Set<String> JVM_LAUNCHER = Set.of("JAVA_MAX_MEM_RATIO", "JDK_JAVA_OPTIONS");

    /** Maps of a service's own configuration, whose keys the environment names ({@code ORDERS_CURSOR_KEYS_<ID>}). */
    static final Map<String, Set<String>> MAPS = Map.of("query-service", Set.of("orders.cursor.keys"));

    /**
     * The extension that hands {@code kafka.*} settings to the Kafka clients: its KafkaRuntimeConfigProducer collects
     * every property whose name starts with "kafka" (so also the environment's KAFKA_SASL_JAAS_CONFIG), takes the rest
     * of the name lower-cased with '_' read as '.', and gives the map to the Kafka connector, which uses it as the
     * defaults of every channel (quarkus-messaging-kafka depends on it).
     */
    static final String KAFKA_CLIENT_EXTENSION = "quarkus-kafka-client";

    /** The Kafka clients' own settings (producer, consumer, admin client) of the kafka-clients version in use. */
    static final Set<String> KAFKA_CLIENT_CONFIGS = kafkaClientConfigs();

    private static final String MODEL = "META-INF/quarkus-config-doc/quarkus-config-model.json";

    /** A property of Quarkus's model: the extension that declares it, its phase, and its env-variable pattern. */
    record ModelProperty(String extension, String property, String phase, Pattern env) {
        boolean runTime() {
            return "RUN_TIME".equals(phase);
        }
    }

    private static volatile List<ModelProperty> model;
    private static final Map<String, Set<String>> EXTENSIONS = new ConcurrentHashMap<>();

    private ConfigKeys() {
    }

    /** Why a service does not read this environment key, or null if it does. */
    static String problem(String service, String key) {
        List<ModelProperty> matches = new ArrayList<>();
        Set<String> extensions = extensions(service);
        for (ModelProperty p : model()) {
            if (extensions.contains(p.extension()) && p.env().matcher(key).matches()) {
                matches.add(p);
            }
        }
        if (!matches.isEmpty() && matches.stream().noneMatch(ModelProperty::runTime)) {
            return key + " is " + matches.get(0).property() + ", fixed at build time (" + matches.get(0).phase()
                    + "): setting it in the environment has no effect";
        }
        if (!matches.isEmpty() || fromApplicationProperties(service).contains(key)) {
            return null;
        }
        if (MAPS.getOrDefault(service, Set.of()).stream().anyMatch(m -> key.matches(env(m) + "_[A-Z][A-Z0-9]*"))) {
            return null;
        }
        if (kafkaClientSetting(service, key) || JVM_LAUNCHER.contains(key)) {
            return null;
        }
        for (Map.Entry<String, Set<String>> allowed : ALLOWED.entrySet()) {
            if (extensions.contains(allowed.getKey())
                    && allowed.getValue().stream().map(ConfigKeys::env).anyMatch(key::equals)) {
                return null;
            }
        }
        return key + " is not a setting " + service + " reads (not in its application.properties, not a run-time "
                + "property of its Quarkus extensions, not a Kafka client setting of its Kafka clients, not on "
                + "ConfigKeys.ALLOWED)";
    }

    /**
     * Whether an environment key is a Kafka client setting the service's Kafka clients read: KAFKA_&lt;NAME&gt; where
     * &lt;name&gt; (lower case, '_' read as '.') is a producer, consumer or admin client setting, for a service with
     * {@link #KAFKA_CLIENT_EXTENSION}. KAFKA_SECURITY_PROTOCOL is security.protocol; a misspelled name, or a Kafka
     * setting given to a service without Kafka clients, is not.
     */
    static boolean kafkaClientSetting(String service, String key) {
        if (!key.startsWith("KAFKA_") || !extensions(service).contains(KAFKA_CLIENT_EXTENSION)) {
            return false;
        }
        return KAFKA_CLIENT_CONFIGS.contains(key.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'));
    }

    private static Set<String> kafkaClientConfigs() {
        Set<String> names = new LinkedHashSet<>(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return Collections.unmodifiableSet(names);
    }

    /** A property name in environment-variable form, as SmallRye Config maps it. */
    static String env(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    // --- the service's own configuration ------------------------------------------------------------------------

    static Set<String> fromApplicationProperties(String service) {
        Set<String> keys = new LinkedHashSet<>();
        try {
            for (String key : Manifests.applicationProperties(service).keySet()) {
                keys.add(env(key.replaceFirst("^%[a-z-]+\\.", "")));
            }
            String text = Files.readString(Manifests.REPO.resolve(service + "/src/main/resources/application.properties"),
                    StandardCharsets.UTF_8);
            Matcher ref = Pattern.compile("\\$\\{([A-Za-z0-9_]+)[:}]").matcher(text);
            while (ref.find()) {
                keys.add(ref.group(1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return keys;
    }

    // --- the Quarkus extensions a service uses ------------------------------------------------------------------

    /** io.quarkus artifacts a service depends on, directly, through the project's modules, or transitively. */
    static Set<String> extensions(String service) {
        return EXTENSIONS.computeIfAbsent(service, s -> {
            Set<String> seen = new LinkedHashSet<>();
            Deque<String> todo = new ArrayDeque<>();
            List<String> missing = new ArrayList<>();
            for (String[] dep : projectDependencies(Manifests.REPO.resolve(s + "/pom.xml"), new LinkedHashSet<>())) {
                if (pom(dep[1]) == null) {
                    missing.add(dep[1]);
                }
                todo.add(dep[1]);
            }
            if (!missing.isEmpty()) {
                throw new AssertionError(s + " depends on " + missing + ", which k8s/pom.xml does not list as test "
                        + "dependencies: add them, so that their configuration is known here");
            }
            while (!todo.isEmpty()) {
                String artifact = todo.pop();
                if (seen.add(artifact)) {
                    Document pom = pom(artifact);
                    if (pom != null) {
                        dependencies(pom).stream().filter(d -> d[0].equals("io.quarkus")).forEach(d -> todo.add(d[1]));
                    }
                }
            }
            return Collections.unmodifiableSet(seen);
        });
    }

    /** io.quarkus dependencies of a project module, following dev.orders modules of this repository. */
    private static List<String[]> projectDependencies(Path pomFile, Set<Path> visited) {
        List<String[]> out = new ArrayList<>();
        if (!visited.add(pomFile)) {
            return out;
        }
        try (InputStream in = Files.newInputStream(pomFile)) {
            for (String[] d : dependencies(parse(in))) {
                if (d[0].equals("io.quarkus")) {
                    out.add(d);
                } else if (d[0].equals("dev.orders") && Files.exists(Manifests.REPO.resolve(d[1] + "/pom.xml"))) {
                    out.addAll(projectDependencies(Manifests.REPO.resolve(d[1] + "/pom.xml"), visited));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The pom an io.quarkus jar on the test classpath carries, or null. */
    private static Document pom(String artifact) {
        URL url = ConfigKeys.class.getClassLoader().getResource("META-INF/maven/io.quarkus/" + artifact + "/pom.xml");
        if (url == null) {
            return null;
        }
        try (InputStream in = url.openStream()) {
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {groupId, artifactId} of the compile/runtime, non-optional dependencies of a pom. */
    private static List<String[]> dependencies(Document pom) {
        List<String[]> out = new ArrayList<>();
        NodeList deps = pom.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            Node parent = d.getParentNode();
            if (parent == null || parent.getParentNode() == null
                    || !"project".equals(parent.getParentNode().getNodeName())) {
                continue; // dependencyManagement, plugins
            }
            String scope = child(d, "scope");
            if ("test".equals(scope) || "provided".equals(scope) || "true".equals(child(d, "optional"))) {
                continue;
            }
            String group = child(d, "groupId");
            out.add(new String[] {"${project.groupId}".equals(group) ? "io.quarkus" : group, child(d, "artifactId")});
        }
        return out;
    }

    /** The text of a direct child element, or null. */
    private static String child(Element e, String name) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && name.equals(c.getTagName())) {
                return c.getTextContent().trim();
            }
        }
        return null;
    }

    private static Document parse(InputStream in) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return f.newDocumentBuilder().parse(in);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    // --- Quarkus's configuration model --------------------------------------------------------------------------

    static List<ModelProperty> model() {
        if (model == null) {
            List<ModelProperty> all = new ArrayList<>();
            JsonMapper json = new JsonMapper();
            try {
                for (URL url : Collections.list(ConfigKeys.class.getClassLoader().getResources(MODEL))) {
                    try (InputStream in = url.openStream()) {
                        for (JsonNode root : json.readTree(in).path("configRoots")) {
                            collect(root.path("extension").path("artifactId").asString(), root.path("items"), all);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (all.isEmpty()) {
                throw new AssertionError("no " + MODEL + " on the test classpath (k8s/pom.xml lists the extensions)");
            }
            model = all;
        }
        return model;
    }

    private static void collect(String extension, JsonNode items, List<ModelProperty> out) {
        for (JsonNode item : items) {
            if (item.has("items")) {
                collect(extension, item.path("items"), out);
            }
            if (item.path("path").has("property") && item.has("phase")) {
                List<JsonNode> paths = new ArrayList<>(List.of(item.path("path")));
                item.path("additionalPaths").forEach(paths::add);
                for (JsonNode path : paths) {
                    String property = path.path("property").asString();
                    out.add(new ModelProperty(extension, property, item.path("phase").asString(), envPattern(property)));
                }
            }
        }
    }

    /**
     * The environment variables that set a property: a quoted segment ({@code "datasource-name"}, a map key) stands
     * for any name without a double underscore, which the variable writes between double underscores
     * (QUARKUS_DATASOURCE__PRIMARY__...).
     */
    static Pattern envPattern(String property) {
        StringBuilder regex = new StringBuilder();
        Matcher quoted = Pattern.compile("\"[^\"]*\"|\\[\\*\\]").matcher(property);
        int at = 0;
        while (quoted.find()) {
            regex.append(Pattern.quote(env(property.substring(at, quoted.start()))));
            regex.append(quoted.group().startsWith("[") ? "_[0-9]+_" : "_[A-Z0-9]+(?:_[A-Z0-9]+)*_");
            at = quoted.end();
        }
        regex.append(Pattern.quote(env(property.substring(at))));
        return Pattern.compile(regex.toString());
    }

}
