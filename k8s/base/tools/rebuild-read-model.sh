# shellcheck shell=bash
# Rebuilds the read model from the Kafka topics without read downtime:
#   1. create empty *_next tables (prepare_read_model_rebuild());
#   2. run a second projector (API port $REBUILD_PORT, fresh consumer group, ORDERS_PROJECTOR_TARGET_SUFFIX=_next) from
#      the start of orders.events.v1 and catalog.events.v1, showing progress (events, events/s, ETA);
#   3. when it has caught up (then also with what was written meanwhile, up to the topics' end offsets of that
#      moment): stop the live projector, note the topics' end offsets, wait until the rebuild has
#      committed up to them, stop the rebuild, swap the tables in one transaction (swap_read_model(); readers wait
#      milliseconds), restart the live projector (it resumes from its own offsets, so what was written after the noted
#      offsets reaches the new tables through it; re-applied events are no-ops);
#   4. run the consistency checker. Previous tables stay as *_old until the next rebuild (or drop them yourself).
#
# The one implementation of the rebuild, sourced by deploy/local/rebuild-read-model (the local stack) and by
# in-cluster.sh for the Job template orders-rebuild-read-model (k8s/base/tools.yaml, from the ConfigMap orders-tools).
# Each side defines, before calling rebuild_read_model:
#   info, die, die_with_log, progress, wait_until   output and waits (deploy/lib/common.sh; in the cluster in-cluster.sh)
#   rq SQL                 psql on the read primary, unaligned, tuples only
#   kafka_tool CLASS ARGS  a Kafka CLI class on Kafka's jars
#   rebuild_metrics        the rebuild instance's /q/metrics, in the classic Prometheus text format
#   rebuild_ready          succeeds once the rebuild instance answers /q/health/ready
#   pause_live_projector   stop the live projector; return once its instances are gone (offsets committed)
#   resume_live_projector  start it again; also run on exit, so harmless when it is running
#   check_consistency ARGS the consistency checker (check-consistency.sh beside this file) with ARGS
# and the variables JAVA_HOME, PROJECTOR_JAR (the projector's quarkus-run.jar), KAFKA_BOOTSTRAP, REBUILD_PORT (the
# rebuild instance's API port; its management interface is on REBUILD_PORT + 1000) and REBUILD_LOG (its log file).
# ORDERS_TOOLS_KAFKA_CONFIG, if set, is a Kafka client properties file for the CLI classes (--command-config). The
# rebuild instance inherits the caller's environment: the projector's own settings (database, Kafka, credentials).

TOPICS="orders.events.v1,catalog.events.v1"

kafka_cli_config() { # the CLI classes' --command-config, if the caller gave one
  [[ -z ${ORDERS_TOOLS_KAFKA_CONFIG:-} ]] || printf '%s\n' --command-config "$ORDERS_TOOLS_KAFKA_CONFIG"
}

topic_offsets() { # topic_offsets TIME: topic:partition:offset of both topics, TIME -1 for the ends, -2 the starts
  local config
  mapfile -t config < <(kafka_cli_config)
  kafka_tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$KAFKA_BOOTSTRAP" "${config[@]}" \
    --topic "orders.events.v1|catalog.events.v1" --time "$1"
}
# Sum of (end - start) offsets over all partitions of the topics: the events a full replay reads.
events_in_topics() {
  local ends starts
  ends="$(topic_offsets -1 | awk -F: '{s+=$3} END {print s+0}')"
  starts="$(topic_offsets -2 | awk -F: '{s+=$3} END {print s+0}')"
  echo $((ends - starts))
}
processed() { # events the rebuild instance has handled (applied + ignored + dead-lettered)
  { rebuild_metrics 2>/dev/null || true; } |
    awk '/^projector_events_(applied|ignored|dead_lettered)_total/ {s+=$NF} END {printf "%d", s+0}'
}
# Why not "zero lag": while the write API keeps writing (a rebuild without downtime), the topics grow during the wait
# and the group's committed offsets trail them by up to a commit interval, so the lag was rarely exactly 0 and the
# rebuild gave up after its wait. What the swap needs is every event up to a point the live projector continues from.
end_offsets() { # topic:partition:offset, the topics' end offsets now; not the partitions that hold no record
  # an empty partition (nothing written, or all of it past retention) has nothing to wait for: the group commits
  # no offset on a partition it reads no record from
  awk -F: 'FILENAME == ARGV[1] { start[$1 FS $2] = $3; next } ($3 + 0) > (start[$1 FS $2] + 0)' \
    <(topic_offsets -2) <(topic_offsets -1)
}
committed_up_to() { # committed_up_to FILE: the group has committed at least FILE's offset on every partition in it
  local config
  mapfile -t config < <(kafka_cli_config)
  kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$KAFKA_BOOTSTRAP" \
    "${config[@]}" --describe --group "$GROUP" 2>/dev/null |
    awk -F: 'FILENAME == ARGV[1] { want[$1 FS $2] = $3; next }
      { split($0, f, " "); if (f[4] ~ /^[0-9]+$/) have[f[2] FS f[3]] = f[4] }
      END { for (k in want) if (!((k in have) && have[k] + 0 >= want[k] + 0)) exit 1 }' "$1" -
}

catch_up_to_ends() { # catch_up_to_ends SECONDS: waits until the rebuild has committed up to the topics' ends of now
  local ends
  ends="$(mktemp)"
  end_offsets >"$ends" || die "could not read the topics' end offsets"
  # shellcheck disable=SC2317 # called by wait_until
  rebuild_has_ends() { committed_up_to "$ends"; }
  wait_until "rebuild projector committing up to the topics' end offsets ($(wc -l <"$ends") partitions)" "$1" \
    "$REBUILD_LOG" "$REBUILD_PID" rebuild_has_ends
  rm -f "$ends"
}

rebuild_cleanup() {
  [[ -n $REBUILD_PID ]] && kill "$REBUILD_PID" 2>/dev/null
  resume_live_projector >/dev/null 2>&1 || true
}

rebuild_read_model() {
  local total start done_n elapsed
  GROUP="orders-projector-rebuild-$(date +%Y%m%d%H%M%S)"
  REBUILD_PID=""
  trap rebuild_cleanup EXIT

  info "1/4 preparing empty *_next tables"
  rq "SELECT prepare_read_model_rebuild()" >/dev/null
  total="$(events_in_topics)"
  info "2/4 replaying $total events from $TOPICS into *_next (group $GROUP, log $REBUILD_LOG)"
  env QUARKUS_HTTP_PORT="$REBUILD_PORT" QUARKUS_MANAGEMENT_PORT="$((REBUILD_PORT + 1000))" ORDERS_PROJECTOR_TARGET_SUFFIX=_next ORDERS_PROJECTOR_GROUP_ID="$GROUP" \
    ORDERS_INVALIDATIONS_ENABLED=false QUARKUS_FLYWAY_MIGRATE_AT_START=false \
    "$JAVA_HOME/bin/java" -Xmx512m -jar "$PROJECTOR_JAR" >"$REBUILD_LOG" 2>&1 &
  REBUILD_PID=$!
  wait_until "projector-rebuild (management port $((REBUILD_PORT + 1000)), /q/health/ready)" 90 "$REBUILD_LOG" \
    "$REBUILD_PID" rebuild_ready
  start=$(date +%s)
  local not_ready=0
  while :; do
    done_n="$(processed)"
    progress "$done_n" "$total" "$start" events
    ((done_n >= total)) && break
    kill -0 "$REBUILD_PID" 2>/dev/null || die_with_log "the rebuild projector stopped" "$REBUILD_LOG"
    # a consumer that failed (its retries spent) leaves the process up and reports not ready: do not wait forever
    if rebuild_ready; then not_ready=0; else not_ready=$((not_ready + 1)); fi
    ((not_ready < 60)) || die_with_log "the rebuild projector has not been ready for 60 s" "$REBUILD_LOG"
    sleep 1
  done
  printf '\n'

  # First up to the ends as they are now, with the live projector still running: what was written during the replay
  # (the total above was counted at its start) is applied before the pause, so the paused window stays short.
  info "3/4 caught up with the start's total: catching up with what was written meanwhile"
  catch_up_to_ends 600
  info "pausing the live projector, catching up to the topics' ends, swapping"
  pause_live_projector
  catch_up_to_ends 120
  # stopped before the swap: it would go on applying into *_next, which the swap renames away
  kill "$REBUILD_PID" 2>/dev/null || true
  wait "$REBUILD_PID" 2>/dev/null || true
  REBUILD_PID=""
  rq "SELECT swap_read_model()" >/dev/null
  resume_live_projector >/dev/null
  elapsed=$(($(date +%s) - start))
  info "swapped in: $total events replayed in ${elapsed}s; previous tables kept as order_view_old, customer_summary_old, customer_view_old"

  info "4/4 consistency check"
  # --settle: writes go on during a rebuild, and the live projector is still catching up on those made while it was
  # paused, so an order that differs is looked at again 30 s later and counts only if it still differs
  check_consistency --settle 30
}
