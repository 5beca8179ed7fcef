package dev.orders.command.idempotency;

import java.util.Map;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** A response as kept for Idempotency-Key replays: status, JSON body, and the headers a client relies on. */
public record StoredResponse(int status, Object body, Map<String, String> headers, boolean replayed) {
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";

    public static StoredResponse of(int status, Object body, Map<String, String> headers) {
        return new StoredResponse(status, body, headers, false);
    }

    public Response toResponse() {
        Response.ResponseBuilder b = Response.status(status).entity(body).type(MediaType.APPLICATION_JSON_TYPE);
        headers.forEach(b::header);
        if (replayed) {
            b.header(REPLAYED_HEADER, "true");
        }
        return b.build();
    }
}
