# shellcheck shell=bash
# deploy/local/up's Postgres: write primary, read primary, streaming replica; config, roles, databases. Sourced by up after deploy/lib/common.sh; defines functions only.

# ---------------------------------------------------------------------------
# Postgres
# ---------------------------------------------------------------------------

write_pg_conf() { # write_pg_conf NAME: the settings we own, included from postgresql.conf
  local name=$1 data port
  data="$(pg_data "$name")"
  port="$(pg_port "$name")"
  write_if_changed "$data/orders-local.conf" "$PG_OS_USER:" <<EOF || return 1
# Written by deploy/local/up (rewritten on every run; edit the script, not this file).
cluster_name = 'orders-$name'
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PG_SOCK_DIR'
max_connections = 100
shared_preload_libraries = 'pg_stat_statements'
wal_level = replica
max_wal_senders = 5
wal_keep_size = '256MB'          # lets the replica catch up after a restart without a slot
hot_standby = on
hot_standby_feedback = on
# stderr goes to the file given to pg_ctl -l ($PG_LOG_DIR/$name.log, linked from $LOG_DIR)
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_lock_waits = on
log_min_duration_statement = 1000
# Planner costs for SSD/page-cache-resident data (the managed-Postgres default): with the stock
# random_page_cost = 4 the planner prefers scanning a month's partition over its trigram index.
random_page_cost = 1.1
effective_cache_size = '4GB'
# prod's buffer cache (k8s/overlays/prod/postgres.yaml): with the stock 128MB a month's partition and its indexes
# (~1 GB at 850k orders) did not fit, and the projector's upserts read their index pages back from the OS cache
shared_buffers = '1GB'
# Checkpoints far enough apart that a catch-up's upserts do not write most index pages into the WAL whole again
# after each one (with 1GB, 100k projected orders wrote 805 MB of WAL, 82k full-page images); compressed when they do
max_wal_size = '4GB'
wal_compression = lz4
EOF
}

write_pg_hba() { # returns 0 when it changed the file
  local data=$1
  write_if_changed "$data/pg_hba.conf" "$PG_OS_USER:" <<EOF
# Written by deploy/local/up.
# TYPE  DATABASE     USER          ADDRESS        METHOD
local   all          $PG_SUPERUSER                 peer
host    all          all           127.0.0.1/32   scram-sha-256
host    replication  $ORDERS_REPLICATION_USER  127.0.0.1/32   scram-sha-256
EOF
}

pg_init() { # pg_init NAME: initdb into a temp dir, then rename, so a failed init leaves nothing behind
  local name=$1 data tmp locale=C.UTF-8
  data="$(pg_data "$name")"
  tmp="$data.initdb"
  rm -rf "$tmp"
  locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' || locale=C
  as_pg "$PG_BIN/initdb" -D "$tmp" -U "$PG_SUPERUSER" --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale="$locale" >>"$PG_LOG_DIR/$name.log" 2>&1 ||
    die_with_log "initdb for $name failed" "$PG_LOG_DIR/$name.log"
  printf "\ninclude_if_exists = 'orders-local.conf'\n" >>"$tmp/postgresql.conf"
  mv "$tmp" "$data"
  info "postgres-$name: initialized $data"
}

pg_start() { # pg_start NAME: start unless running; prints what happened
  local name=$1 data port pid
  data="$(pg_data "$name")"
  port="$(pg_port "$name")"
  if pid="$(pg_pid "$name")"; then
    wait_until "postgres-$name" 60 "$PG_LOG_DIR/$name.log" "$pid" \
      "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"
    info "postgres-$name: already running (pid $pid, 127.0.0.1:$port)"
    return 0
  fi
  require_free_port "postgres-$name" "$port" "$(tr '[:lower:]' '[:upper:]' <<<"$name")_PG_PORT"
  as_pg "$PG_BIN/pg_ctl" start -D "$data" -l "$PG_LOG_DIR/$name.log" -w -t 60 -s ||
    die_with_log "postgres-$name failed to start" "$PG_LOG_DIR/$name.log"
  wait_until "postgres-$name" 60 "$PG_LOG_DIR/$name.log" "" \
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"
  info "postgres-$name: started (pid $(pg_pid "$name"), 127.0.0.1:$port)"
}

# pg_password_ok NAME USER PASSWORD [DATABASE]: can USER log in over TCP with PASSWORD on server NAME (write | read)?
# (avoids re-hashing an unchanged password on every run)
pg_password_ok() {
  local name=$1 user=$2 password=$3 db=${4:-postgres}
  DB_USER="$user" DB_PASSWORD="$password" PGCONNECT_TIMEOUT=3 db "$name/$db" -w -At -c 'select 1' >/dev/null 2>&1
}

# converge roles, database, extensions, per-role limits; cheap and idempotent, runs on every `up`
pg_converge() {
  local name=$1 db=$2 port
  port="$(pg_port "$name")"
  db_admin "$port" postgres -v app_user="$ORDERS_DB_USER" -v db="$db" \
    -v stmt="$ORDERS_DB_STATEMENT_TIMEOUT" -v lock="$ORDERS_DB_LOCK_TIMEOUT" \
    -v idle="$ORDERS_DB_IDLE_IN_TX_TIMEOUT" <<'SQL'
SET client_min_messages = warning;
SELECT format('CREATE ROLE %I LOGIN', :'app_user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', :'db', :'app_user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'app_user')
 WHERE (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :'db') <> :'app_user' \gexec
-- per-role session limits (a session SET does not survive PgBouncer transaction pooling)
SELECT format('ALTER ROLE %I SET %s = %L', :'app_user', k, v)
  FROM (VALUES ('statement_timeout', :'stmt'), ('lock_timeout', :'lock'),
               ('idle_in_transaction_session_timeout', :'idle')) AS s(k, v)
 WHERE NOT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
                    WHERE r.rolname = :'app_user' AND s.setdatabase = 0 AND (k || '=' || v) = ANY (s.setconfig)) \gexec
SQL
  db_admin "$port" "$db" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SQL
  if ! pg_password_ok "$name" "$ORDERS_DB_USER" "$ORDERS_DB_PASSWORD" "$db"; then
    db_admin "$port" postgres -v u="$ORDERS_DB_USER" -v p="$ORDERS_DB_PASSWORD" \
      <<<"SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'u', :'p') \gexec"
    info "postgres-$name: set password of role $ORDERS_DB_USER"
  fi
  if [[ $name == read ]]; then
    db_admin "$port" postgres -v u="$ORDERS_REPLICATION_USER" <<'SQL'
SELECT format('CREATE ROLE %I REPLICATION LOGIN', :'u')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'u') \gexec
SQL
    if ! pg_password_ok "$name" "$ORDERS_REPLICATION_USER" "$ORDERS_REPLICATION_PASSWORD"; then
      db_admin "$port" postgres -v u="$ORDERS_REPLICATION_USER" -v p="$ORDERS_REPLICATION_PASSWORD" \
        <<<"SELECT format('ALTER ROLE %I REPLICATION LOGIN PASSWORD %L', :'u', :'p') \gexec"
      info "postgres-$name: set password of role $ORDERS_REPLICATION_USER"
    fi
    # query-service's read-only role: SELECT on everything the projector creates, short statement_timeout.
    db_admin "$port" "$db" -v u="$ORDERS_READER_USER" -v owner="$ORDERS_DB_USER" \
      -v stmt="$ORDERS_READER_STATEMENT_TIMEOUT" <<'SQL'
SET client_min_messages = warning;
SELECT format('CREATE ROLE %I LOGIN', :'u') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'u') \gexec
SELECT format('ALTER ROLE %I SET statement_timeout = %L', :'u', :'stmt') \gexec
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'u') \gexec
SELECT format('GRANT SELECT ON ALL TABLES IN SCHEMA public TO %I', :'u') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT ON TABLES TO %I', :'owner', :'u') \gexec
SQL
    if ! pg_password_ok "$name" "$ORDERS_READER_USER" "$ORDERS_READER_PASSWORD" "$db"; then
      db_admin "$port" postgres -v u="$ORDERS_READER_USER" -v p="$ORDERS_READER_PASSWORD" \
        <<<"SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'u', :'p') \gexec"
    fi
    # Local fault drills (tests pause the replica's replay): let the app role call these on the standby.
    # Function privileges live in each database's catalog: grant in the read database itself.
    db_admin "$port" "$db" -v u="$ORDERS_DB_USER" <<'SQL'
SET client_min_messages = warning;
SELECT format('GRANT EXECUTE ON FUNCTION pg_wal_replay_pause(), pg_wal_replay_resume() TO %I', :'u') \gexec
SQL
  fi
}

ensure_primary() { # ensure_primary NAME DB
  local name=$1 db=$2 data
  data="$(pg_data "$name")"
  [[ -f $data/PG_VERSION ]] || pg_init "$name"
  if write_pg_conf "$name" && pg_pid "$name" >/dev/null; then
    as_pg "$PG_BIN/pg_ctl" reload -D "$data" -s
    warn "postgres-$name: configuration changed while running: reloaded (settings that need a restart apply after down/up)"
  fi
  if write_pg_hba "$data" && pg_pid "$name" >/dev/null; then
    as_pg "$PG_BIN/pg_ctl" reload -D "$data" -s
    info "postgres-$name: pg_hba.conf changed, reloaded"
  fi
  pg_start "$name"
  pg_converge "$name" "$db"
}

ensure_replica() {
  local data tmp
  data="$(pg_data replica)"
  if [[ ! -f $data/PG_VERSION ]]; then
    tmp="$data.basebackup"
    rm -rf "$tmp"
    # -R writes standby.signal + primary_conninfo; -X stream copies the WAL needed to be consistent
    as_pg env PGPASSWORD="$ORDERS_REPLICATION_PASSWORD" "$PG_BIN/pg_basebackup" -h 127.0.0.1 \
      -p "$READ_PG_PORT" -U "$ORDERS_REPLICATION_USER" -D "$tmp" -R -X stream -c fast \
      >>"$PG_LOG_DIR/replica.log" 2>&1 || die_with_log "pg_basebackup from 127.0.0.1:$READ_PG_PORT failed" "$PG_LOG_DIR/replica.log"
    mv "$tmp" "$data"
    info "postgres-replica: cloned from 127.0.0.1:$READ_PG_PORT with pg_basebackup"
  fi
  if write_pg_conf replica && pg_pid replica >/dev/null; then
    as_pg "$PG_BIN/pg_ctl" reload -D "$data" -s
    warn "postgres-replica: configuration changed while running: reloaded (settings that need a restart apply after down/up)"
  fi
  if write_pg_hba "$data" && pg_pid replica >/dev/null; then
    as_pg "$PG_BIN/pg_ctl" reload -D "$data" -s
    info "postgres-replica: pg_hba.conf changed, reloaded"
  fi
  pg_start replica
  wait_until "postgres-replica in recovery" 60 "$PG_LOG_DIR/replica.log" "" replica_in_recovery
}

replica_in_recovery() {
  [[ "$(db_admin "$REPLICA_PG_PORT" postgres -Atc 'select pg_is_in_recovery()' 2>/dev/null)" == t ]]
}
