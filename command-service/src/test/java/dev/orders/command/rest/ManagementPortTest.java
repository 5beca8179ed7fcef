package dev.orders.command.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.junit.QuarkusTest;

/** Health, metrics and OpenAPI are served on the management interface only; on the API port they are a 404. */
@QuarkusTest
class ManagementPortTest {
    private static String management(String path) {
        return "http://localhost:" + ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class)
                + path;
    }

    @ParameterizedTest
    @ValueSource(strings = { "/q/health", "/q/health/live", "/q/health/ready", "/q/health/started", "/q/metrics",
            "/q/openapi", "/q/openapi?format=json", "/q/swagger-ui", "/q/dev-ui", "/q/info" })
    void theApiPortDoesNotServeThem(String path) {
        given().get(path).then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:not-found"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "/q/health/live", "/q/health/ready", "/q/metrics", "/q/openapi" })
    void theManagementPortDoes(String path) {
        given().get(management(path)).then().statusCode(200);
    }

    @org.junit.jupiter.api.Test
    void readinessNamesItsChecksWithoutErrorText() {
        given().get(management("/q/health/ready")).then().statusCode(200).body("status", equalTo("UP"))
                .body(containsString("checks"));
    }
}
