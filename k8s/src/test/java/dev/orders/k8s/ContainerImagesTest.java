package dev.orders.k8s;

import static dev.orders.k8s.Manifests.SERVICES;
import static dev.orders.k8s.Manifests.containers;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.podSpec;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The image every manifest runs for a service is the one its build makes: registry/group/name:tag from
 * quarkus.container-image.* in the service's application.properties (Jib), and a normal build makes none.
 */
class ContainerImagesTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void manifestsRunTheImagesTheServicesBuild(String dir) throws Exception {
        for (String service : SERVICES) {
            String built = builtImage(service);
            for (Map<String, Object> c : containers(podSpec(named(render(dir), "Deployment", service)))) {
                assertEquals(built, c.get("image"), dir + ": " + service + "/" + c.get("name") + " image");
            }
        }
    }

    static String builtImage(String service) throws Exception {
        Map<String, String> p = Manifests.applicationProperties(service);
        assertEquals("false", p.get("quarkus.container-image.build"), service + ": a normal build makes no image");
        String registry = p.get("quarkus.container-image.registry");
        String group = p.get("quarkus.container-image.group");
        String name = p.get("quarkus.container-image.name");
        String tag = p.get("quarkus.container-image.tag");
        for (String part : new String[] {registry, group, name, tag}) {
            assertNotNull(part, service + ": quarkus.container-image.registry/group/name/tag set explicitly");
        }
        return registry + "/" + group + "/" + name + ":" + tag;
    }
}
