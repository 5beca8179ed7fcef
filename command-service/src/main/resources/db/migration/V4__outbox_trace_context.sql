-- The W3C trace context (traceparent, tracestate) of the request that wrote the row, as a JSON object: the relay sends
-- it as Kafka headers, so the projector's apply joins the same trace as the HTTP POST. NULL for rows written before
-- this column existed and for writes that nothing traced; the relay then sends no trace headers. Adding a nullable
-- column without a default is a catalogue-only change (no table rewrite, a brief ACCESS EXCLUSIVE lock).
ALTER TABLE outbox ADD COLUMN trace_context jsonb;
