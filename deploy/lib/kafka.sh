# shellcheck shell=bash
# deploy/local/up's Kafka in KRaft mode, jars resolved through Maven, and its topics. Sourced by up after deploy/lib/common.sh; defines functions only.

# ---------------------------------------------------------------------------
# Kafka (KRaft, broker+controller in one JVM, jars resolved through Maven)
# ---------------------------------------------------------------------------
ensure_kafka_libs() {
  local pom="$LOCAL_DIR/kafka/pom.xml" libs="$KAFKA_DIR/libs" stamp
  stamp="$(sha256sum "$pom" | cut -d' ' -f1)"
  [[ -f $libs/.pom.sha256 && "$(<"$libs/.pom.sha256")" == "$stamp" ]] && return 0
  info "kafka: resolving broker jars through Maven (deploy/local/kafka/pom.xml)"
  rm -rf "$libs.tmp"
  "$REPO/mvnw" -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$libs.tmp" \
    >"$LOG_DIR/kafka-resolve.log" 2>&1 || die_with_log "could not resolve the Kafka jars" "$LOG_DIR/kafka-resolve.log"
  printf '%s\n' "$stamp" >"$libs.tmp/.pom.sha256"
  rm -rf "$libs"
  mv "$libs.tmp" "$libs"
}

ensure_kafka() {
  local conf="$KAFKA_DIR/config" data="$KAFKA_DIR/data" pid cluster_id
  mkdir -p "$conf"
  ensure_kafka_libs
  write_if_changed "$conf/server.properties" <<EOF || true
# Written by deploy/local/up: single node, broker + controller (KRaft), loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data
num.partitions=6
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
EOF
  # admin-client settings for the CLI: fail fast instead of the 60s default while the broker boots
  write_if_changed "$conf/tools.properties" <<EOF || true
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
  if [[ ! -f $data/meta.properties ]]; then
    # Kafka's own generator (kafka-storage random-uuid); a kept id is reused only if it still looks like one, so an
    # empty or broken file (an interrupted first start) is replaced instead of reaching `format` as "-t ''".
    [[ -s $KAFKA_DIR/cluster.id ]] && cluster_id="$(<"$KAFKA_DIR/cluster.id")" || cluster_id=""
    if [[ ! $cluster_id =~ ^[A-Za-z0-9_-]{22}$ ]]; then
      cluster_id="$(kafka_tool kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/kafka.out" | tail -n1)" || true
      [[ $cluster_id =~ ^[A-Za-z0-9_-]{22}$ ]] ||
        die_with_log "kafka: random-uuid gave no cluster id ('$cluster_id')" "$LOG_DIR/kafka.out"
      printf '%s\n' "$cluster_id" >"$KAFKA_DIR/cluster.id"
    fi
    rm -rf "$data"
    kafka_tool kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$conf/server.properties" \
      >>"$LOG_DIR/kafka.out" 2>&1 || die_with_log "kafka storage format failed" "$LOG_DIR/kafka.out"
    info "kafka: formatted $data (cluster id $cluster_id)"
  fi
  if pid="$(kafka_pid)"; then
    info "kafka: already running (pid $pid, 127.0.0.1:$KAFKA_PORT)"
  else
    require_free_port kafka "$KAFKA_PORT" KAFKA_PORT
    require_free_port "kafka controller" "$KAFKA_CONTROLLER_PORT" KAFKA_CONTROLLER_PORT
    pid="$(spawn "$RUN_DIR/kafka.pid" "$LOG_DIR/kafka.out" \
      "$JAVA_HOME/bin/java" -Xms256m -Xmx512m -XX:+UseG1GC "$(gc_log_option "$LOG_DIR/kafka-gc.log")" \
      -Djava.awt.headless=true \
      -Dkafka.logs.dir="$LOG_DIR" -Dlog4j2.configurationFile="$LOCAL_DIR/kafka/log4j2.xml" \
      -cp "$KAFKA_DIR/libs/*" kafka.Kafka "$conf/server.properties")"
    wait_port kafka "$KAFKA_PORT" 60 "$LOG_DIR/kafka.log" "$pid"
    info "kafka: started (pid $pid, 127.0.0.1:$KAFKA_PORT)"
  fi
  ensure_topics "$pid"
}

kafka_list_topics() {
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" \
    --command-config "$KAFKA_DIR/config/tools.properties" --list
}

ensure_topics() {
  local pid=$1 existing spec topic partitions
  # the broker answers metadata requests once it is really up: this is the readiness check
  wait_until "kafka (topic list on 127.0.0.1:$KAFKA_PORT)" 60 "$LOG_DIR/kafka.log" "$pid" kafka_list_topics
  existing="$(kafka_list_topics)"
  for spec in "${KAFKA_TOPICS[@]}"; do
    topic="${spec%%:*}"
    partitions="${spec##*:}"
    if grep -qxF "$topic" <<<"$existing"; then
      continue
    fi
    local config=()
    [[ -n ${KAFKA_TOPIC_CONFIG[$topic]:-} ]] && config=(--config "${KAFKA_TOPIC_CONFIG[$topic]}")
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" \
      --command-config "$KAFKA_DIR/config/tools.properties" --create --if-not-exists \
      --topic "$topic" --partitions "$partitions" --replication-factor 1 "${config[@]}" >/dev/null
    info "kafka: created topic $topic ($partitions partitions)"
  done
}
