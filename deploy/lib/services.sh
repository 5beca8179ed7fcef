# shellcheck shell=bash
# deploy/local/up's the three services: build, start, schema migration. Sourced by up after deploy/lib/common.sh; defines functions only.

# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------
ensure_service_jars() {
  local svc missing=0
  for svc in "${SERVICES[@]}"; do
    [[ -f "$(service_jar "$svc")" ]] || missing=1
  done
  ((missing || FORCE_BUILD)) || return 0
  info "services: building (mvnw -B -q -DskipTests package)"
  (cd "$REPO" && "$REPO/mvnw" -B -q -DskipTests package) || die "service build failed"
}

# service_command NAME SVC PORT [VAR=value...]: sets the array NAME to the command that runs SVC's jar on PORT (and its
# management interface on the stack's management port for SVC, or a free one when PORT is 0) with
# the settings up pins (JWT key and issuer, dev data, the read API's URL) and the extra VAR=value; the user's
# environment passes through (config overrides). Both starting a service and migrating its schema use it.
service_command() {
  local -n _command=$1
  local svc=$2 port=$3 java_opts
  shift 3
  read -r -a java_opts <<<"$ORDERS_SERVICE_JAVA_OPTS"
  # the stack's own instances and the harness's log their GC pauses (SERVICE_GC_LOG): a latency spike can be
  # checked against them; the tests' instances do not
  [[ -z ${SERVICE_GC_LOG:-} ]] || java_opts+=("$(gc_log_option "$SERVICE_GC_LOG")")
  local management_port=0
  ((port == 0)) || management_port="$(service_management_port "$svc")"
  _command=(env QUARKUS_HTTP_PORT="$port" QUARKUS_MANAGEMENT_PORT="$management_port"
    MP_JWT_VERIFY_PUBLICKEY_LOCATION="${MP_JWT_VERIFY_PUBLICKEY_LOCATION:-$JWT_DIR/publicKey.pem}"
    MP_JWT_VERIFY_ISSUER="${MP_JWT_VERIFY_ISSUER:-$ORDERS_JWT_ISSUER}"
    ORDERS_SEED_DEV_DATA="${ORDERS_SEED_DEV_DATA:-true}"
    ORDERS_LOG_JSON="${ORDERS_LOG_JSON:-false}"
    ORDERS_READ_API_BASE_URL="${ORDERS_READ_API_BASE_URL:-http://127.0.0.1:$QUERY_PORT/}"
    "$@" "$JAVA_HOME/bin/java" "${java_opts[@]}" -jar "$(service_jar "$svc")")
}

ensure_service() {
  local svc=$1 port pid jar log
  port="$(service_port "$svc")"
  jar="$(service_jar "$svc")"
  log="$LOG_DIR/$svc.log"
  if pid="$(service_pid "$svc")"; then
    if [[ $jar -nt $RUN_DIR/$svc.pid ]]; then
      # rebuilt since it started: a developer expects `up` to run what they just built
      info "$svc: jar rebuilt since start, restarting"
      stop_pid "$svc" "$pid" 30
      rm -f "$RUN_DIR/$svc.pid"
    else
      wait_http "$svc" "$(service_ready_url "$svc")" "$ORDERS_SERVICE_READY_TIMEOUT" "$log" "$pid"
      info "$svc: already running (pid $pid, http://127.0.0.1:$port)"
      return 0
    fi
  fi
  require_free_port "$svc" "$port" "$(service_port_var "$svc")"
  require_free_port "$svc management" "$(service_management_port "$svc")" "$(service_port_var "$svc" management)"
  printf '=== %s starting %s (deploy/local/up) ===\n' "$(date -Is)" "$svc" >>"$log"
  local command
  SERVICE_GC_LOG="$LOG_DIR/$svc-gc.log" service_command command "$svc" "$port"
  pid="$(spawn "$RUN_DIR/$svc.pid" "$log" "${command[@]}")"
  wait_http "$svc" "$(service_ready_url "$svc")" "$ORDERS_SERVICE_READY_TIMEOUT" "$log" "$pid"
  info "$svc: started (pid $pid, http://127.0.0.1:$port), ready"
}

# migrate_schemas: each service that owns a schema applies its Flyway migrations and exits (Quarkus's
# quarkus.init-and-exit runs the start-up init tasks, Flyway's migrate-at-start among them, then stops before
# Kafka, HTTP or schedulers start): command-service the write database, the projector the read database. With
# --infra nothing else would create them, and a service started in dev mode against this stack needs them.
migrate_schemas() {
  local svc log command
  for svc in command-service projector; do
    log="$LOG_DIR/$svc-migrate.log"
    # the same settings as the running service (a different seed_dev_data would re-run the dev-data migration)
    service_command command "$svc" 0 QUARKUS_INIT_AND_EXIT=true
    if "${command[@]}" >"$log" 2>&1; then
      info "$svc: schema migrated ($(grep -Eo 'Successfully applied [0-9]+ migrations?|Schema .* is up to date' "$log" | tail -1 || true))"
    else
      die_with_log "$svc: schema migration failed" "$log"
    fi
  done
}

# service_port_var SVC [management]: the variable that moves SVC's API (or management) port
service_port_var() {
  local suffix=PORT
  [[ ${2:-} == management ]] && suffix=MANAGEMENT_PORT
  case $1 in
    command-service) echo "COMMAND_$suffix" ;;
    query-service) echo "QUERY_$suffix" ;;
    projector) echo "PROJECTOR_$suffix" ;;
  esac
}
