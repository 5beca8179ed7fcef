package dev.orders.testing;

import java.util.UUID;

/** Ids of command-service's dev data set (the repeatable "dev data" migration), which the tests use by name. */
public final class DevData {
    public static final UUID ADA = UUID.fromString("c0000000-0000-4000-8000-000000000001");
    public static final UUID GRACE = UUID.fromString("c0000000-0000-4000-8000-000000000002");
    public static final UUID KEYBOARD = UUID.fromString("a0000000-0000-4000-8000-000000000001");
    public static final UUID MOUSE = UUID.fromString("a0000000-0000-4000-8000-000000000002");

    private DevData() {
    }
}
