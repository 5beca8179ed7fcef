# shellcheck shell=bash disable=SC2034 # variables here are used by the scripts that source this file
# The toolbox every deploy/ script shares (local stack, seed, bench): settings, output, waits, progress, the
# database helper. Source it, don't run it. Only definitions here (no output, no side effects) so that `token` can
# source it too. The components of the local stack live beside it (postgres.sh, pgbouncer.sh, redis.sh, kafka.sh,
# services.sh), sourced by deploy/local/up.

# ---------------------------------------------------------------------------
# Locations
# ---------------------------------------------------------------------------
LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$LIB_DIR/../.." && pwd)"
LOCAL_DIR="$REPO/deploy/local"

STATE_DIR="${ORDERS_STATE_DIR:-$REPO/.local}"
[[ $STATE_DIR == /* ]] || STATE_DIR="$PWD/$STATE_DIR"
STATE_DIR="${STATE_DIR%/}"
export ORDERS_STATE_DIR="$STATE_DIR" # child scripts (token, up from test) must agree on it
LOG_DIR="$STATE_DIR/logs"
RUN_DIR="$STATE_DIR/run"
KAFKA_DIR="$STATE_DIR/kafka"
JWT_DIR="$STATE_DIR/jwt"
REDIS_DIR="$STATE_DIR/redis"
TRACE_FILE="$STATE_DIR/traces/spans.jsonl"
STATE_MARKER="$STATE_DIR/.orders-local-state" # lets `down --purge` prove the folder is ours

# ---------------------------------------------------------------------------
# Ports, names, credentials (every one overridable from the environment)
# ---------------------------------------------------------------------------
: "${WRITE_PG_PORT:=15432}"
: "${READ_PG_PORT:=15433}"
: "${REPLICA_PG_PORT:=15434}"
: "${PGBOUNCER_PORT:=16432}"
: "${REDIS_PORT:=16379}"
: "${KAFKA_PORT:=19092}"
: "${KAFKA_CONTROLLER_PORT:=19093}"
: "${COMMAND_PORT:=8081}"
: "${QUERY_PORT:=8082}"
: "${PROJECTOR_PORT:=8083}"
# Each service's management interface: /q/health, /q/metrics, /q/openapi (never on the API port above).
: "${COMMAND_MANAGEMENT_PORT:=9081}"
: "${QUERY_MANAGEMENT_PORT:=9082}"
: "${PROJECTOR_MANAGEMENT_PORT:=9083}"
# The local trace collector (deploy/local/otlp/LocalTraces.java): the services export OTLP/HTTP spans to it, it appends
# them to TRACE_FILE, and deploy/local/trace prints one order's trace from there.
: "${OTLP_PORT:=14318}"

: "${ORDERS_WRITE_DB:=orders_write}"
: "${ORDERS_READ_DB:=orders_read}"
: "${ORDERS_DB_USER:=orders}"
: "${ORDERS_DB_PASSWORD:=orders}"
: "${ORDERS_REPLICATION_USER:=replicator}"
: "${ORDERS_REPLICATION_PASSWORD:=replicator}"
# Per-role limits: behind PgBouncer transaction pooling a session SET does not stick.
: "${ORDERS_DB_STATEMENT_TIMEOUT:=5s}"
: "${ORDERS_DB_LOCK_TIMEOUT:=2s}"
: "${ORDERS_DB_IDLE_IN_TX_TIMEOUT:=10s}"
# query-service's read-only role on the read database: a shorter statement_timeout backs its fault-tolerance
# timeouts (an abandoned query does not keep running on the server).
: "${ORDERS_READER_USER:=orders_reader}"
: "${ORDERS_READER_PASSWORD:=orders_reader}"
: "${ORDERS_READER_STATEMENT_TIMEOUT:=2s}"

: "${ORDERS_JWT_ISSUER:=https://orders.local}"
# The `aud` deploy/local/token puts in tokens and the APIs require (mp.jwt.verify.audiences), and the oldest token
# (seconds since its iat) they accept (mp.jwt.verify.token.age).
: "${ORDERS_JWT_AUDIENCE:=orders-api}"
: "${ORDERS_JWT_MAX_AGE:=3600}"
# query-service's cursor-signing key (id and secret): the services run their prod profile, which has no default key.
: "${ORDERS_CURSOR_ACTIVE_KEY:=local}"
: "${ORDERS_CURSOR_KEYS_LOCAL:=local-dev-cursor-secret-change-me}"
: "${ORDERS_SERVICE_READY_TIMEOUT:=90}"
# The services' JVM flags. The heap starts at 256 MB: from 64 MB, G1 kept it at ~80 MB and, in a 6-minute write run,
# paused the harness's command-service ~4 times as often (259-268 pauses, 3.0-3.1 s in all, against 63-83 and 0.8-1.2
# s) with 57-59 marking cycles (against 4-13; remarks up to 330 ms on two busy cores). POST /orders at half load then
# had a p99 of 824-1,012 ms and turned 1.6-5.8 % away, against 181-278 ms and none, and the projector caught up at
# 4,930-5,541 events/s against 6,550-6,846 (BENCHMARKS.md, session 32).
: "${ORDERS_SERVICE_JAVA_OPTS:=-Xms256m -Xmx512m}"

: "${ORDERS_PG_MAJOR:=15}"
# Exported so the services (their application.properties read these names) and the tests agree with the stack. Every
# service this toolbox starts (up, the e2e tests' second instances, bench, rebuild-read-model) runs the prod profile,
# which has no default password or cursor key: they reach it through this export.
export WRITE_PG_PORT READ_PG_PORT REPLICA_PG_PORT PGBOUNCER_PORT REDIS_PORT KAFKA_PORT \
  COMMAND_PORT QUERY_PORT PROJECTOR_PORT COMMAND_MANAGEMENT_PORT QUERY_MANAGEMENT_PORT PROJECTOR_MANAGEMENT_PORT OTLP_PORT \
  ORDERS_DB_USER ORDERS_DB_PASSWORD ORDERS_READER_USER ORDERS_READER_PASSWORD ORDERS_JWT_AUDIENCE ORDERS_JWT_MAX_AGE \
  ORDERS_CURSOR_ACTIVE_KEY ORDERS_CURSOR_KEYS_LOCAL
PG_BIN="${ORDERS_PG_BIN:-/usr/lib/postgresql/$ORDERS_PG_MAJOR/bin}"
PG_SHARE="/usr/share/postgresql/$ORDERS_PG_MAJOR"

# Postgres and PgBouncer refuse to run as root: as root they run as the `postgres` OS user;
# a non-root developer runs them as themself.
if [[ $EUID -eq 0 ]]; then
  PG_OS_USER="${ORDERS_PG_OS_USER:-postgres}"
else
  PG_OS_USER="$(id -un)"
fi
PG_SUPERUSER="$PG_OS_USER" # initdb names the superuser after the OS user (peer auth on the socket)

SERVICES=(command-service projector query-service)  # start order; `down` stops in reverse
KAFKA_TOPICS=("orders.events.v1:6" "orders.events.v1.dlq:1" "catalog.events.v1:3")
# Every topic's retention is explicit (the same in the dev overlay's Job and prod's KafkaTopics; a k8s test compares).
# The event topics are the source of read-model rebuilds (deploy/local/rebuild-read-model): keep every event.
# (Log compaction keyed by aggregate id would also do, since each event carries the aggregate's full state.)
# Dead letters are kept 30 days: replay them (deploy/local/replay-dead-letters) within that window.
declare -A KAFKA_TOPIC_CONFIG=([orders.events.v1]="retention.ms=-1" [catalog.events.v1]="retention.ms=-1"
  [orders.events.v1.dlq]="retention.ms=2592000000")

# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------
info() { printf '%s\n' "$*"; }
warn() { printf 'WARN: %s\n' "$*" >&2; }
die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}

# die with the last lines of a component's log, so the cause is on screen
die_with_log() {
  local msg=$1 logf=${2:-}
  printf 'ERROR: %s\n' "$msg" >&2
  if [[ -n $logf && -r $logf ]]; then
    printf -- '--- last 40 lines of %s ---\n' "$logf" >&2
    tail -n 40 "$logf" >&2
    printf -- '--- end of %s ---\n' "$logf" >&2
  fi
  exit 1
}

# ---------------------------------------------------------------------------
# Processes, ports, waiting
# ---------------------------------------------------------------------------

# as_pg CMD...: run as the Postgres OS user; cd / because the caller's cwd may be unreadable to it
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u "$PG_OS_USER" -- "$@")
  else
    "$@"
  fi
}

# pid_alive PID: the process exists and is not a zombie (an exited child that init has not reaped yet
# still answers kill -0)
pid_alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)"
  [[ $state != Z ]]
}

# running_pid PIDFILE PATTERN: print the pid if it is alive and its command line contains PATTERN
# (guards against a stale pid file whose number was reused by an unrelated process)
running_pid() {
  local pidf=$1 pattern=$2 pid cmdline
  [[ -r $pidf ]] || return 1
  pid="$(head -n 1 "$pidf" 2>/dev/null)"
  pid="${pid//[^0-9]/}"
  [[ -n $pid ]] || return 1
  pid_alive "$pid" || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ $cmdline == *"$pattern"* ]] || return 1
  printf '%s\n' "$pid"
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT
port_open() {
  # shellcheck disable=SC2016 # $0 is expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"' "$1" 2>/dev/null
}

# http_ok URL: answers 200
http_ok() {
  [[ "$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null)" == 200 ]]
}

# wait_until WHAT TIMEOUT LOGFILE PID CMD...: poll CMD until it succeeds; fail early if PID dies,
# fail at the deadline; both failures show the tail of LOGFILE. LOGFILE and PID may be "".
wait_until() {
  local what=$1 timeout=$2 logf=$3 pid=$4
  shift 4
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      die_with_log "$what: process $pid exited while starting" "$logf"
    fi
    if ((SECONDS >= deadline)); then
      die_with_log "$what: not ready after ${timeout}s" "$logf"
    fi
    sleep 0.5
  done
}

wait_port() { wait_until "$1 (127.0.0.1:$2)" "$3" "$4" "${5:-}" port_open "$2"; }
wait_http() { wait_until "$1 ($2)" "$3" "$4" "${5:-}" http_ok "$2"; }

# gc_log_option FILE: the JVM option that logs each GC pause and each safepoint (every stop of all threads, a
# collection's or not) to FILE with wall-clock times; rotated at 5 MB and at each start, 10 files kept (three did not
# outlive a session of restarts).
gc_log_option() { printf -- '-Xlog:gc,safepoint:file=%s:time,uptime,tags:filecount=10,filesize=5m\n' "$1"; }

# spawn PIDFILE LOGFILE CMD...: start CMD detached in its own session (so it outlives this shell and a
# Ctrl-C here), appending to LOGFILE; the child writes its own pid before exec'ing, so PIDFILE names
# the real process. Prints the pid.
spawn() {
  local pidf=$1 logf=$2
  shift 2
  rm -f "$pidf"
  # shellcheck disable=SC2016 # $$, $0 and $@ belong to the inner bash
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" </dev/null >>"$logf" 2>&1 &
  local deadline=$((SECONDS + 10))
  until [[ -s $pidf ]]; do
    ((SECONDS < deadline)) || die_with_log "could not start: $*" "$logf"
    sleep 0.1
  done
  head -n 1 "$pidf"
}

# stop_pid NAME PID TIMEOUT [SIGNAL]: signal, wait with a deadline, then SIGKILL
stop_pid() {
  local name=$1 pid=$2 timeout=$3 sig=${4:-TERM}
  kill "-$sig" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while pid_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      warn "$name (pid $pid) still running after ${timeout}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
      break
    fi
    sleep 0.2
  done
  info "$name: stopped (pid $pid)"
}

# write_if_changed FILE [OWNER]: replace FILE with stdin only when the content differs.
# Returns 0 when it wrote, 1 when FILE was already up to date (so callers can reload or say so).
write_if_changed() {
  local file=$1 owner=${2:-} tmp
  tmp="$(mktemp "${file}.XXXXXX")"
  cat >"$tmp"
  if [[ -f $file ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  chmod 0644 "$tmp"
  [[ -z $owner || $EUID -ne 0 ]] || chown "$owner" "$tmp"
  mv -f "$tmp" "$file"
  return 0
}

# ---------------------------------------------------------------------------
# OS packages
# ---------------------------------------------------------------------------

# apt_get_as_root WHY ARG...: apt-get ARG... as root, or through `sudo -n` (never prompts: fails clearly instead);
# WHY says what it is for when neither is possible.
apt_get_as_root() {
  local why=$1 sudo=()
  shift
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null || die "$why: run as root or install sudo"
    sudo=(sudo -n)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@"
}

# apt_install PKG...: install Debian/Ubuntu packages with apt (apt_get_as_root); nothing to do without arguments. For
# the scripts that need tools (up, bench/run).
apt_install() {
  (($#)) || return 0
  command -v apt-get >/dev/null || die "missing packages ($*) and no apt-get: install them by hand"
  info "packages: installing $*"
  apt_get_as_root "missing packages ($*)" update -q
  apt_get_as_root "missing packages ($*)" install -y -q --no-install-recommends "$@"
}

# ensure_promtool: set PROMTOOL to a promtool (Prometheus's rule checker, for the k8s module's PrometheusRulesTest):
# the one on PATH, else one taken out of Debian's prometheus package into a cache folder outside any stack's state.
# Only the binary: installing the package would also install and start a Prometheus server and ~100 MB of web assets.
ensure_promtool() {
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/orders-platform/promtool" tmp
  PROMTOOL="$(command -v promtool || true)"
  [[ -n $PROMTOOL ]] && return 0
  PROMTOOL="$cache/promtool"
  [[ -x $PROMTOOL ]] && return 0
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
    die "promtool is missing and there is no apt-get: put Prometheus's promtool on the PATH"
  tmp="$(mktemp -d)"
  if ! (cd "$tmp" && apt-get download -q prometheus >/dev/null 2>&1); then
    # a fresh machine may have no package lists yet
    rm -rf "$tmp"
    apt_get_as_root "promtool is missing" update -q || die "promtool is missing and apt-get update failed"
    tmp="$(mktemp -d)"
    (cd "$tmp" && apt-get download -q prometheus) ||
      { rm -rf "$tmp"; die "could not download Debian's prometheus package for promtool"; }
  fi
  mkdir -p "$cache"
  # extracted, then moved into place: an interrupted run leaves no half-written promtool for the next one to trust
  dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x" && install -m 0755 "$tmp/x/usr/bin/promtool" "$PROMTOOL.partial" &&
    mv -f "$PROMTOOL.partial" "$PROMTOOL" || { rm -rf "$tmp"; die "could not extract promtool"; }
  rm -rf "$tmp"
  info "promtool: $("$PROMTOOL" --version 2>&1 | head -n 1) (from Debian's prometheus package, in $cache)"
}

# ---------------------------------------------------------------------------
# JDK
# ---------------------------------------------------------------------------

# jdk_major HOME: print the feature version of the JDK at HOME (needs javac: Maven compiles)
jdk_major() {
  local home=$1 v=""
  [[ -x $home/bin/java && -x $home/bin/javac ]] || return 1
  [[ -r $home/release ]] && v="$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$home/release")"
  [[ -n $v ]] || v="$("$home/bin/java" -version 2>&1 | sed -n '1s/.*version "\([^"]*\)".*/\1/p')"
  v="${v#1.}" # 1.8.0 -> 8
  v="${v%%[.+-]*}"
  [[ $v =~ ^[0-9]+$ ]] || return 1
  printf '%s\n' "$v"
}

# find_jdk: export JAVA_HOME (and PATH) to a JDK >= 21: $JAVA_HOME, then `java` on PATH, then the
# newest under /usr/lib/jvm. Fails with where it looked.
find_jdk() {
  local min=21 looked=() home v best="" bestv=0
  if [[ -n ${JAVA_HOME:-} ]]; then
    v="$(jdk_major "$JAVA_HOME" || true)"
    looked+=("JAVA_HOME=$JAVA_HOME (${v:-not a JDK})")
    if [[ -n $v ]] && ((v >= min)); then best=$JAVA_HOME; fi
  fi
  if [[ -z $best ]] && command -v java >/dev/null 2>&1; then
    home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    v="$(jdk_major "$home" || true)"
    looked+=("java on PATH -> $home (${v:-not a JDK})")
    if [[ -n $v ]] && ((v >= min)); then best=$home; fi
  fi
  if [[ -z $best ]]; then
    for home in /usr/lib/jvm/*; do
      [[ -d $home ]] || continue
      v="$(jdk_major "$home" || true)"
      looked+=("$home (${v:-not a JDK})")
      if [[ -n $v ]] && ((v >= min && v > bestv)); then
        best=$home
        bestv=$v
      fi
    done
  fi
  if [[ -z $best ]]; then
    printf 'ERROR: JDK %s+ is required (Quarkus 3.33, Maven build). Looked at:\n' "$min" >&2
    printf '  - %s\n' "${looked[@]:-nothing (no JAVA_HOME, no java on PATH, no /usr/lib/jvm)}" >&2
    printf 'Install one (e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME.\n' >&2
    exit 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
}

# progress DONE TOTAL START UNIT: one progress line, redrawn in place (START: epoch seconds, may be fractional):
#   [##########...............]  40%     400000 / 1000000 orders     9876 orders/s  ETA    61s
# The caller prints the final newline.
progress() {
  awk -v d="$1" -v t="$2" -v s="$3" -v u="$4" -v now="$(date +%s.%N)" 'BEGIN {
    el = now - s; rate = (el > 0 ? d / el : 0); pct = (t > 0 ? int(100 * d / t) : 100); if (pct > 100) pct = 100
    b = ""; for (i = 0; i < 25; i++) b = b (i < int(pct / 4) ? "#" : ".")
    printf "\r[%s] %3d%%  %9d / %d %s  %8.0f %s/s  ETA %5.0fs ", b, pct, d, t, u, rate, u, (rate > 0 && t > d ? (t - d) / rate : 0) }'
}

# ---------------------------------------------------------------------------
# Databases: the one psql helper every script uses
# ---------------------------------------------------------------------------
DB_TARGETS="write read replica bouncer-write bouncer-read bouncer-replica bouncer-admin"

# db_target TARGET[/DATABASE]: prints "port database" for write | read | replica (direct) or bouncer-write |
# bouncer-read | bouncer-replica | bouncer-admin (through PgBouncer); /DATABASE picks another database on the same
# server (e.g. write/postgres). Fails on an unknown target.
db_target() {
  local target=${1%%/*} other=""
  [[ $1 == */* ]] && other=${1#*/}
  case $target in
    write) echo "$WRITE_PG_PORT ${other:-$ORDERS_WRITE_DB}" ;;
    read) echo "$READ_PG_PORT ${other:-$ORDERS_READ_DB}" ;;
    replica) echo "$REPLICA_PG_PORT ${other:-$ORDERS_READ_DB}" ;;
    bouncer-write) echo "$PGBOUNCER_PORT ${other:-$ORDERS_WRITE_DB}" ;;
    bouncer-read) echo "$PGBOUNCER_PORT ${other:-$ORDERS_READ_DB}" ;;
    bouncer-replica) echo "$PGBOUNCER_PORT ${other:-${ORDERS_READ_DB}_replica}" ;;
    bouncer-admin) echo "$PGBOUNCER_PORT pgbouncer" ;;
    *) return 1 ;;
  esac
}

# db_psql: the psql that ships with the servers (PG_BIN), or the one on PATH
db_psql() { if [[ -x $PG_BIN/psql ]]; then echo "$PG_BIN/psql"; else echo psql; fi; }

# db_admin PORT DATABASE [psql args...]: psql as the Postgres superuser over the unix socket (peer auth), for
# set-up steps the application role may not take (roles, databases, replication)
db_admin() {
  local port=$1 name=$2
  shift 2
  resolve_pg_base
  as_pg "$(db_psql)" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK_DIR" -p "$port" -d "$name" "$@"
}

# db TARGET[/DATABASE] [psql args...]: the one psql wrapper of every script: psql on TARGET (see db_target) as the
# application role (DB_USER / DB_PASSWORD pick another, e.g. the read API's role), no psqlrc, quiet, stopping at the
# first error. E.g. db write -At -c 'SELECT count(*) FROM orders'.
db() {
  db_command "${1:-}"
  shift
  "${DB_COMMAND[@]}" "$@"
}
# db_command TARGET[/DATABASE]: DB_COMMAND (an array) is the psql command line db runs, for a caller that must `exec`
# it (a background psql whose PID is the one to stop)
db_command() {
  local target port name
  target="$(db_target "$1")" || die "db: unknown target '$1' (one of: $DB_TARGETS)"
  read -r port name <<<"$target"
  DB_COMMAND=(env PGPASSWORD="${DB_PASSWORD:-$ORDERS_DB_PASSWORD}" "$(db_psql)" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1
    -p "$port" -U "${DB_USER:-$ORDERS_DB_USER}" -d "$name")
}
# db for tooling's own statements (the harness's counts and samples over millions of rows): without the roles' 5 s
# statement_timeout, which is meant for API requests. Usage as db.
db_tool() { PGOPTIONS="-c statement_timeout=15min" db "$@"; }

# ---------------------------------------------------------------------------
# Postgres / PgBouncer layout
# ---------------------------------------------------------------------------
# Postgres runs as `postgres`, which may not be able to traverse the repo (e.g. cloned under /root).
# Then its files live in /var/lib/orders-cqrs/<hash of STATE_DIR>/ and $STATE_DIR/pg links there.

pg_alt_base() {
  printf '/var/lib/orders-cqrs/%s\n' "$(printf '%s' "$STATE_DIR" | sha256sum | cut -c1-12)"
}

# resolve_pg_base: set PG_BASE and the paths under it from what exists (no creation)
resolve_pg_base() {
  local link="$STATE_DIR/pg" alt
  alt="$(pg_alt_base)"
  if [[ -L $link ]]; then
    PG_BASE="$(readlink -f "$link")"
  elif [[ -d $link ]]; then
    PG_BASE="$link"
  elif [[ -d $alt ]]; then
    PG_BASE="$alt" # state dir deleted by hand while the relocated files stayed
  else
    PG_BASE="$link"
  fi
  PG_SOCK_DIR="$PG_BASE/sock"
  PG_LOG_DIR="$PG_BASE/log"
  PGB_DIR="$PG_BASE/pgbouncer"
}

pg_data() { printf '%s/%s\n' "$PG_BASE" "$1"; } # write | read | replica
pg_port() {
  case $1 in
    write) printf '%s\n' "$WRITE_PG_PORT" ;;
    read) printf '%s\n' "$READ_PG_PORT" ;;
    replica) printf '%s\n' "$REPLICA_PG_PORT" ;;
    *) die "unknown cluster $1" ;;
  esac
}

pg_pid() { running_pid "$(pg_data "$1")/postmaster.pid" postgres; }
pg_running() { pg_pid "$1" >/dev/null && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(pg_port "$1")"; }

pgbouncer_pid() { running_pid "$PGB_DIR/pgbouncer.pid" pgbouncer; }
pgbouncer_running() { pgbouncer_pid >/dev/null && port_open "$PGBOUNCER_PORT"; }

redis_pid() { running_pid "$RUN_DIR/redis.pid" redis-server; }
redis_running() { redis_pid >/dev/null && port_open "$REDIS_PORT"; }

kafka_pid() { running_pid "$RUN_DIR/kafka.pid" kafka.Kafka; }
kafka_running() { kafka_pid >/dev/null && port_open "$KAFKA_PORT"; }

trace_receiver_pid() { running_pid "$RUN_DIR/traces.pid" LocalTraces.java; }
trace_receiver_running() { trace_receiver_pid >/dev/null && port_open "$OTLP_PORT"; }

service_port() {
  case $1 in
    command-service) printf '%s\n' "$COMMAND_PORT" ;;
    query-service) printf '%s\n' "$QUERY_PORT" ;;
    projector) printf '%s\n' "$PROJECTOR_PORT" ;;
    *) die "unknown service $1" ;;
  esac
}
service_management_port() {
  case $1 in
    command-service) printf '%s\n' "$COMMAND_MANAGEMENT_PORT" ;;
    query-service) printf '%s\n' "$QUERY_MANAGEMENT_PORT" ;;
    projector) printf '%s\n' "$PROJECTOR_MANAGEMENT_PORT" ;;
    *) die "unknown service $1" ;;
  esac
}
# An instance a script starts beside the stack (bench, rebuild, tests) on API port P serves its management interface
# on P + 1000 (as the stack does: 8081 → 9081). management_url P PATH: that endpoint's URL.
# The Accept header for the classic Prometheus text format (one value per line, last): the services' default answer is
# OpenMetrics, whose lines may end with an exemplar (a trace id and a timestamp) that `awk '{print $NF}'` would read.
PROMETHEUS_TEXT="Accept: text/plain; version=0.0.4"
management_url() { printf 'http://127.0.0.1:%s%s\n' "$(($1 + 1000))" "$2"; }
# service_ready_url NAME: its readiness endpoint on the management port
service_ready_url() { printf 'http://127.0.0.1:%s/q/health/ready\n' "$(service_management_port "$1")"; }
service_jar() { printf '%s/%s/target/quarkus-app/quarkus-run.jar\n' "$REPO" "$1"; }
service_pid() { running_pid "$RUN_DIR/$1.pid" "$1/target/quarkus-app/quarkus-run.jar"; }
service_running() { service_pid "$1" >/dev/null; }
# stop_service NAME: stop a service started by up (SIGTERM: Quarkus drains and commits offsets), if it runs
stop_service() {
  local pid
  if pid="$(service_pid "$1")"; then stop_pid "$1" "$pid" 30; else info "$1: not running"; fi
  rm -f "$RUN_DIR/$1.pid"
}

# infra_running: every infrastructure component is up (what `up --infra` provides)
infra_running() {
  local c
  for c in write read replica; do pg_running "$c" || return 1; done
  pgbouncer_running && redis_running && kafka_running && trace_receiver_running
}

# kafka_tool CLASS ARGS...: run a Kafka CLI class from the resolved jars (quiet logging, short timeouts)
kafka_tool() {
  local cls=$1
  shift
  timeout 60 "$JAVA_HOME/bin/java" -Xms32m -Xmx256m -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$LOCAL_DIR/kafka/log4j2-tools.xml" \
    -cp "$KAFKA_DIR/libs/*" "$cls" "$@"
}

resolve_pg_base # PG_BASE & co. for every script; `up` resolves again after creating the layout
