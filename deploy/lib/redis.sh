# shellcheck shell=bash
# deploy/local/up's Redis: cache and rate limits, no persistence. Sourced by up after deploy/lib/common.sh; defines functions only.

# ---------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------
ensure_redis() {
  local conf="$REDIS_DIR/redis.conf" pid
  mkdir -p "$REDIS_DIR"
  write_if_changed "$conf" <<EOF || true
# Written by deploy/local/up. Cache + rate limits only: no persistence.
bind 127.0.0.1
port $REDIS_PORT
protected-mode no
daemonize yes
pidfile "$RUN_DIR/redis.pid"
logfile "$LOG_DIR/redis.log"
dir "$REDIS_DIR"
save ""
appendonly no
EOF
  if pid="$(redis_pid)"; then
    wait_port redis "$REDIS_PORT" 30 "$LOG_DIR/redis.log" "$pid"
    info "redis: already running (pid $pid, 127.0.0.1:$REDIS_PORT)"
    return 0
  fi
  require_free_port redis "$REDIS_PORT" REDIS_PORT
  redis-server "$conf" || die_with_log "redis failed to start" "$LOG_DIR/redis.log"
  wait_until "redis (127.0.0.1:$REDIS_PORT)" 30 "$LOG_DIR/redis.log" "" \
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
  info "redis: started (pid $(redis_pid), 127.0.0.1:$REDIS_PORT)"
}
