package dev.orders.command;

import java.time.Instant;
import java.util.UUID;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * A row of the transactional outbox, written in the same transaction as the change it announces. Column names follow
 * Debezium's outbox event router. Only inserted through JPA; the relay reads and marks rows with plain SQL.
 */
@Entity
@Table(name = "outbox")
public class OutboxEvent extends PanacheEntityBase {
    @Id
    public UUID id;
    @Column(name = "aggregatetype")
    public String aggregateType;
    @Column(name = "aggregateid")
    public String aggregateId;
    public String type;
    @Column(name = "schemaversion")
    public int schemaVersion;
    @JdbcTypeCode(SqlTypes.JSON)
    public String payload;
    @Column(name = "occurred_at")
    public Instant occurredAt;
    /** The writing request's W3C trace context as a JSON object ({@code traceparent}, {@code tracestate}), or null. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "trace_context")
    public String traceContext;
}
