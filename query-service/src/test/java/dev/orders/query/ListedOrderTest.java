package dev.orders.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.orders.events.OrderState;

/** A page passes the stored items through: what the projector stores must be what the API documents. */
class ListedOrderTest {
    @Test
    void theProjectorsLineHasExactlyTheFieldsOfTheApisLine() {
        assertEquals(components(OrderView.Line.class, true), components(OrderState.OrderLine.class, true));
    }

    @Test
    void aListedOrderHasTheFieldsOfAnOrderViewsBody() {
        List<String> body = components(OrderView.class, false).stream().filter(c -> !c.equals("revision")).toList();
        assertEquals(body, components(ListedOrder.class, false));
    }

    private static List<String> components(Class<? extends Record> type, boolean withTypes) {
        return Arrays.stream(type.getRecordComponents())
                .map((RecordComponent c) -> c.getName() + (withTypes ? " " + c.getGenericType().getTypeName() : ""))
                .toList();
    }
}
