package dev.orders.command;

import java.util.UUID;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

/** One order line; product name and price are copied at order time so later catalogue edits don't rewrite history. */
@Entity
@Table(name = "order_items")
public class OrderItem extends PanacheEntityBase {
    @Id
    public UUID id;
    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "order_id")
    public Order order;
    @Column(name = "line_no")
    public int lineNo;
    @Column(name = "product_id")
    public UUID productId;
    @Column(name = "product_name")
    public String productName;
    public int quantity;
    @Column(name = "unit_price_cents")
    public long unitPriceCents;
}
