package dev.orders.command;

import java.time.Instant;
import java.util.UUID;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Reference data owned by the write side: who can place orders. */
@Entity
@Table(name = "customers")
public class Customer extends PanacheEntityBase {
    @Id
    public UUID id;
    public String name;
    public String email;
    @Column(name = "created_at", insertable = false, updatable = false)
    public Instant createdAt;
    public long version;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
