package dev.orders.command;

import java.util.Set;

import dev.orders.events.OrderEventType;
import dev.orders.events.OrderStatus;

/**
 * The order state machine: each action names the states it may start from and the state it leads to.
 * PENDING → PAID → SHIPPED → DELIVERED; CANCELLED from PENDING or PAID. Anything else is an illegal transition.
 */
public enum OrderAction {
    PAY(OrderStatus.PAID, OrderEventType.OrderPaid, OrderStatus.PENDING),
    SHIP(OrderStatus.SHIPPED, OrderEventType.OrderShipped, OrderStatus.PAID),
    DELIVER(OrderStatus.DELIVERED, OrderEventType.OrderDelivered, OrderStatus.SHIPPED),
    CANCEL(OrderStatus.CANCELLED, OrderEventType.OrderCancelled, OrderStatus.PENDING, OrderStatus.PAID);

    private final OrderStatus target;
    private final OrderEventType event;
    private final Set<OrderStatus> from;

    OrderAction(OrderStatus target, OrderEventType event, OrderStatus... from) {
        this.target = target;
        this.event = event;
        this.from = Set.of(from);
    }

    public OrderStatus target() {
        return target;
    }

    public OrderEventType event() {
        return event;
    }

    public boolean allowedFrom(OrderStatus current) {
        return from.contains(current);
    }

    /** Customers may pay for and cancel their own orders; fulfilment (ship, deliver) is for operators. */
    public boolean customerMay() {
        return this == PAY || this == CANCEL;
    }
}
