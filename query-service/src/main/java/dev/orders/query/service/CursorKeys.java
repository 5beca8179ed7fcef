package dev.orders.query.service;

import java.util.Map;

import io.smallrye.config.ConfigMapping;

/** {@code orders.cursor.*}: the keys that sign keyset cursors, by key id (see {@link CursorCodec}). */
@ConfigMapping(prefix = "orders.cursor")
public interface CursorKeys {
    /** The id of the key new cursors are signed with; it must be one of {@link #keys()}. */
    String activeKey();

    /** Secret per key id ({@code orders.cursor.keys.<id>}, env {@code ORDERS_CURSOR_KEYS_<ID>}). */
    Map<String, String> keys();
}
