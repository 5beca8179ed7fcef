package dev.orders.command;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.orders.events.OrderStatus;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.CascadeType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;

/**
 * The order aggregate. {@code version} is the aggregate version carried by events (1 on creation, +1 per change);
 * the id is a UUIDv7 whose timestamp equals {@code createdAt}.
 */
@Entity
@Table(name = "orders")
public class Order extends PanacheEntityBase {
    @Id
    public UUID id;
    @Column(name = "customer_id", nullable = false)
    public UUID customerId;
    @Enumerated(EnumType.STRING)
    public OrderStatus status;
    public long version;
    public String currency;
    @Column(name = "total_cents")
    public long totalCents;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;

    @OneToMany(mappedBy = "order", cascade = CascadeType.ALL, orphanRemoval = true)
    @OrderBy("lineNo")
    public List<OrderItem> items = new ArrayList<>();

    public void addItem(OrderItem item) {
        item.order = this;
        item.lineNo = items.size() + 1;
        items.add(item);
        totalCents += item.unitPriceCents * item.quantity;
    }
}
