#!/bin/sh
# kafka-topics Job: wait for the broker, then create the topics (idempotent). Same list as deploy/local/lib/common.sh.
# The event topics are the source of read-model rebuilds: they keep every event (retention.ms=-1).
# Dead letters are kept 30 days (retention.ms=2592000000): replay them within that window.
set -eu
bootstrap=${KAFKA_BOOTSTRAP_SERVERS:-kafka:9092}
tries=0
until /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --list >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "kafka at $bootstrap not reachable" >&2; exit 1; }
  sleep 5
done
create() { # create TOPIC PARTITIONS [--config k=v]
  topic=$1 partitions=$2
  shift 2
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "$topic" --partitions "$partitions" --replication-factor 1 "$@"
}
create orders.events.v1 6 --config retention.ms=-1
create orders.events.v1.dlq 1 --config retention.ms=2592000000
create catalog.events.v1 3 --config retention.ms=-1
/opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --describe
