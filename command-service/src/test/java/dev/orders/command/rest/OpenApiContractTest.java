package dev.orders.command.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.orders.testing.OpenApiFile;
import io.quarkus.test.junit.QuarkusTest;

/** The committed openapi.yaml is the document this service serves (on its management interface). */
@QuarkusTest
class OpenApiContractTest {
    @Test
    void theCommittedContractIsCurrent() {
        String served = given().get("http://localhost:"
                + ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class)
                + "/q/openapi?format=yaml").then().statusCode(200).extract().asString();
        assertNull(OpenApiFile.staleness(served));
    }
}
