package dev.orders.http.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;

import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Jackson reads and writes the records' components through generated lambdas (Blackbird, Jackson's own module for
 * this) instead of {@code Method.invoke}: reflective calls were 3 % of a page's CPU samples (session 37's profile: a
 * page writes 20 orders of 11 fields each). The JSON is the same; only how Jackson reaches each field changes.
 */
@Singleton
public class GeneratedAccessors implements ObjectMapperCustomizer {
    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(new BlackbirdModule());
    }
}
