package dev.orders.command;

import java.util.UUID;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Reference data owned by the write side: what can be ordered, at which price. */
@Entity
@Table(name = "products")
public class Product extends PanacheEntityBase {
    @Id
    public UUID id;
    public String name;
    @Column(name = "price_cents")
    public long priceCents;
    public String currency;
    public boolean active;
    public long version;
    @Column(name = "updated_at")
    public java.time.Instant updatedAt;
}
