package dev.orders.command;

import java.util.Map;

import io.quarkus.arc.Unremovable;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;

/**
 * {@code orders.required-secrets.*}: secrets that must resolve at start-up. The prod profile sets them to the
 * datasource passwords, which have no default there; a config mapping is checked before anything starts, so a
 * missing one stops the service at once with SRCFG00011 naming the variable ("Could not expand value
 * ORDERS_DB_PASSWORD in property quarkus.datasource.password") instead of a failed login later. Nothing reads it:
 * {@code @Unremovable} is what makes Quarkus check a mapping that nothing injects.
 */
@Unremovable
@ConfigMapping(prefix = "orders.required-secrets")
public interface RequiredSecrets {
    @WithParentName
    Map<String, String> secrets();
}
