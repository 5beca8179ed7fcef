package dev.orders.k8s;

import static dev.orders.k8s.Manifests.REPO;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The optional kustomize Components under k8s/components (KEDA scaling of the projector, Secrets from an external
 * store), rendered the way a platform team enables them: prod plus {@code components:}. kustomize renders a
 * Component only inside a kustomization, so each rendering is a small kustomization written under k8s/target
 * that takes prod as its resource, sets prod's namespace, and lists the components; {@link Manifests#render} renders
 * its directory like any other.
 */
final class Components {
    static final String PROD = "k8s/overlays/prod";

    private Components() {
    }

    /** The names of k8s/components/* that have a kustomization.yaml. */
    static List<String> names() {
        Path dir = REPO.resolve("k8s/components");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.exists(p.resolve("kustomization.yaml"))).map(p -> p.getFileName().toString())
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** prod with each component alone, then with all of them: the directories to render. */
    static Stream<String> renderings() {
        List<String> dirs = new ArrayList<>();
        for (String name : names()) {
            dirs.add(prodWith(List.of(name)));
        }
        if (names().size() > 1) {
            dirs.add(prodWith(names()));
        }
        return dirs.stream();
    }

    /** The directory (relative to the repository) of a kustomization that renders prod with these components. */
    static String prodWith(List<String> components) {
        Path dir = REPO.resolve("k8s/target/kustomize/prod+" + String.join("+", components));
        StringBuilder k = new StringBuilder("""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                # written by the k8s tests (Components.java): prod with optional components, as an overlay enables them
                """);
        k.append("namespace: ").append(namespace(PROD)).append('\n');
        k.append("resources:\n  - ../../../overlays/prod\ncomponents:\n");
        components.forEach(c -> k.append("  - ../../../components/").append(c).append('\n'));
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("kustomization.yaml");
            if (!Files.exists(file) || !Files.readString(file, StandardCharsets.UTF_8).contentEquals(k)) {
                Files.writeString(file, k, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return REPO.relativize(dir).toString();
    }

    /** The namespace an overlay's kustomization.yaml sets. */
    static String namespace(String overlay) {
        try {
            Matcher m = Pattern.compile("(?m)^namespace:\\s*(\\S+)")
                    .matcher(Files.readString(REPO.resolve(overlay + "/kustomization.yaml"), StandardCharsets.UTF_8));
            if (!m.find()) {
                throw new AssertionError(overlay + " sets no namespace");
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
