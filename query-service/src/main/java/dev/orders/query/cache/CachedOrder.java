package dev.orders.query.cache;

import dev.orders.query.OrderView;

/**
 * An order as the cache holds it: the view (for ownership and version checks), its JSON, serialized once when it
 * entered the cache, so a cache hit writes bytes instead of running Jackson again, and the read row's revision (what
 * the cache layers compare; it is not in the JSON).
 */
public record CachedOrder(OrderView view, byte[] json, long revision) {
    /** The order's version (the write model's count of changes): what a Consistency-Token asks for. */
    public long version() {
        return view.version();
    }
}
