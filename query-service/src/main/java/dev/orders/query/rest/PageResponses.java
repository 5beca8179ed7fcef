package dev.orders.query.rest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The OpenAPI success answer of the paged order lists (list, search), declared once. */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@APIResponse(responseCode = "200", description = "One page, newest first; nextCursor (and a Link rel=next) when "
        + "there are more",
        content = @Content(mediaType = "application/json",
                schema = @Schema(implementation = OrderQueryResource.OrderPage.class)),
        headers = @Header(name = "Link", description = "<…&cursor=…>; rel=\"next\" when there is a next page",
                schema = @Schema(type = SchemaType.STRING)))
public @interface PageResponses {
}
