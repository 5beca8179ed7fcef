# shellcheck shell=bash
# deploy/local/up's PgBouncer in transaction mode in front of the three databases. Sourced by up after deploy/lib/common.sh; defines functions only.

# ---------------------------------------------------------------------------
# PgBouncer (runs as the Postgres OS user: it refuses root)
# ---------------------------------------------------------------------------
ensure_pgbouncer() {
  local ini="$PGB_DIR/pgbouncer.ini" users="$PGB_DIR/userlist.txt" changed=0 pid bin
  bin="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
  # userlist: plain password is fine locally; pgbouncer then does SCRAM both to clients and servers
  write_if_changed "$users" "$PG_OS_USER:" <<EOF && changed=1
"${ORDERS_DB_USER//\"/\"\"}" "${ORDERS_DB_PASSWORD//\"/\"\"}"
"${ORDERS_READER_USER//\"/\"\"}" "${ORDERS_READER_PASSWORD//\"/\"\"}"
EOF
  chmod 0600 "$users"
  write_if_changed "$ini" "$PG_OS_USER:" <<EOF && changed=1
; Written by deploy/local/up.
[databases]
$ORDERS_WRITE_DB = host=127.0.0.1 port=$WRITE_PG_PORT dbname=$ORDERS_WRITE_DB
$ORDERS_READ_DB = host=127.0.0.1 port=$READ_PG_PORT dbname=$ORDERS_READ_DB
${ORDERS_READ_DB}_replica = host=127.0.0.1 port=$REPLICA_PG_PORT dbname=$ORDERS_READ_DB

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $users
pool_mode = transaction
default_pool_size = 20
max_client_conn = 2000
max_db_connections = 40
; transaction pooling: nothing session-level to reset
server_reset_query =
; A dead or restarting Postgres fails fast, and a restarted one is used at once: queries wait at most 5 s for a server
; (default 120 s: each abandoned one held its client connection that long), a connect attempt gives up after 5 s, and
; a failed one is retried after 1 s, not 15 (new clients get an error meanwhile, so a database back from a crash stayed
; unusable for up to 15 s). PoolerFailFastTest keeps every PgBouncer (local, dev, prod) on these values.
query_wait_timeout = 5
server_connect_timeout = 5
server_login_retry = 1
; the Vert.x reactive pg client sends extra_float_digits; JDBC may send options
ignore_startup_parameters = extra_float_digits,options
admin_users = $ORDERS_DB_USER
stats_users = $ORDERS_DB_USER
logfile = $PGB_DIR/pgbouncer.log
pidfile = $PGB_DIR/pgbouncer.pid
EOF
  if pid="$(pgbouncer_pid)"; then
    if ((changed)); then
      kill -HUP "$pid" # reload ini + userlist
      info "pgbouncer: configuration changed, reloaded (pid $pid)"
    fi
    wait_port pgbouncer "$PGBOUNCER_PORT" 30 "$PGB_DIR/pgbouncer.log" "$pid"
    info "pgbouncer: already running (pid $pid, 127.0.0.1:$PGBOUNCER_PORT)"
    return 0
  fi
  require_free_port pgbouncer "$PGBOUNCER_PORT" PGBOUNCER_PORT
  # max_client_conn=2000 needs file descriptors; raise the soft limit for the daemon only
  (
    ulimit -n 4096 2>/dev/null || true
    as_pg "$bin" -d -q "$ini"
  ) || die_with_log "pgbouncer failed to start" "$PGB_DIR/pgbouncer.log"
  wait_port pgbouncer "$PGBOUNCER_PORT" 30 "$PGB_DIR/pgbouncer.log"
  info "pgbouncer: started (pid $(pgbouncer_pid), 127.0.0.1:$PGBOUNCER_PORT, transaction pooling)"
}
