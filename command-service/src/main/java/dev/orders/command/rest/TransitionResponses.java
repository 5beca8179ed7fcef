package dev.orders.command.rest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The OpenAPI answers every order transition (pay, ship, deliver, cancel) shares, declared once. */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@APIResponse(responseCode = "200", description = "The order after the transition",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OrderResponse.class)),
        headers = {
                @Header(name = "ETag", description = "The order's new version", schema = @Schema(type = SchemaType.STRING)),
                @Header(name = OrderResource.CONSISTENCY_TOKEN, description = "<order id>:<version> for the read API",
                        schema = @Schema(type = SchemaType.STRING)) })
@APIResponse(responseCode = "409", description = "Illegal transition from the current state, or a request with the "
        + "same Idempotency-Key in flight")
@APIResponse(responseCode = "412", description = "If-Match names another version")
@APIResponse(responseCode = "422", description = "Idempotency-Key reused for another request")
public @interface TransitionResponses {
}
