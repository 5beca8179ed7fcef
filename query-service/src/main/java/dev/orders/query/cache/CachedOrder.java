package dev.orders.query.cache;

import dev.orders.query.OrderView;

/**
 * An order as the cache holds it: the view (for ownership and version checks) and its JSON, serialized once when it
 * entered the cache, so a cache hit writes bytes instead of running Jackson again.
 */
public record CachedOrder(OrderView view, byte[] json) {
    public long version() {
        return view.version();
    }
}
