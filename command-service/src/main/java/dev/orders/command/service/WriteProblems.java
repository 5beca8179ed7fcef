package dev.orders.command.service;

import dev.orders.http.problem.ProblemType;

/** Problem types specific to the write API (the shared families are in {@link ProblemType}). */
public final class WriteProblems {
    public static final ProblemType UNKNOWN_PRODUCT = ProblemType.of("unknown-product", "Order refers to an unknown product");
    public static final ProblemType MIXED_CURRENCY = ProblemType.of("mixed-currency", "Order mixes currencies");
    public static final ProblemType ILLEGAL_TRANSITION = ProblemType.of("illegal-transition",
            "The order's current state does not allow this action");
    public static final ProblemType VERSION_MISMATCH = ProblemType.of("version-mismatch",
            "The order changed since the version named in If-Match");
    public static final ProblemType TOO_MANY_ITEMS = ProblemType.of("too-many-items",
            "Order has more lines than an order may hold");
    public static final ProblemType EMAIL_TAKEN = ProblemType.of("email-taken", "Email already in use");
    public static final ProblemType UNKNOWN_CUSTOMER = ProblemType.of("unknown-customer", "Caller is not a known customer");

    private WriteProblems() {
    }
}
