package dev.orders.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.orders.events.OrderStatus;

class OrderActionTest {

    @Test
    void legalTransitionsAreExactlyTheDocumentedOnes() {
        Set<String> legal = new java.util.TreeSet<>();
        for (OrderAction a : OrderAction.values()) {
            for (OrderStatus s : OrderStatus.values()) {
                if (a.allowedFrom(s)) {
                    legal.add(s + "-" + a + "->" + a.target());
                }
            }
        }
        assertEquals(Set.of("PENDING-PAY->PAID", "PAID-SHIP->SHIPPED", "SHIPPED-DELIVER->DELIVERED",
                "PENDING-CANCEL->CANCELLED", "PAID-CANCEL->CANCELLED"), legal);
    }

    @Test
    void terminalStatesAllowNothing() {
        for (OrderStatus terminal : EnumSet.of(OrderStatus.DELIVERED, OrderStatus.CANCELLED)) {
            for (OrderAction a : OrderAction.values()) {
                assertEquals(false, a.allowedFrom(terminal), a + " from " + terminal);
            }
        }
    }
}
