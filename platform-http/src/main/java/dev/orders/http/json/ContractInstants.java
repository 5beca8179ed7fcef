package dev.orders.http.json;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.events.json.Rfc3339Instants;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Writes and reads timestamps (responses, request bodies, events) with the contract's own codec instead of jsr310's
 * formatter (see Rfc3339Instants).
 */
@Singleton
public class ContractInstants implements ObjectMapperCustomizer {
    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(Rfc3339Instants.module());
    }

    /** Last, after Quarkus has registered jsr310's module: the module registered last wins. */
    @Override
    public int priority() {
        return MINIMUM_PRIORITY;
    }
}
