#!/usr/bin/env bash
# The cluster's side of the operator tools (k8s/base/tools.yaml): what deploy/lib/common.sh and the deploy/local
# wrappers give the shared tools on the local stack, for a pod. Runs in the postgres image (bash, psql, coreutils)
# with a JDK, Kafka's jars and the projector's application copied in by init containers.
#   in-cluster.sh rebuild-read-model    k8s/base/tools/rebuild-read-model.sh, as deploy/local/rebuild-read-model runs it
# Environment (the Job template sets it):
#   ORDERS_WRITE_DB_URL/_USER/_PASSWORD, ORDERS_READ_DB_URL/_USER/_PASSWORD   the databases (check-consistency.sh)
#   KAFKA_BOOTSTRAP_SERVERS, and KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_* when Kafka needs them: the same
#                           variables the projector reads (Quarkus: KAFKA_SASL_MECHANISM is kafka.sasl.mechanism)
#   the projector's own settings (envFrom its ConfigMap and Secret): the rebuild instance inherits them
#   POD_NAMESPACE           where Deployment/projector lives; the API is reached through the kubectl proxy sidecar
#   ORDERS_TOOLS_JAVA_HOME, ORDERS_TOOLS_KAFKA_LIBS, ORDERS_TOOLS_PROJECTOR   where the init containers copied them
set -euo pipefail
TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# PID 1 ignores SIGTERM unless it handles it: exit, so that the EXIT traps run (the rebuild scales the live
# projector back up) when the pod is deleted or its deadline passes.
trap 'exit 143' TERM INT

# --- output and waits (as deploy/lib/common.sh; progress prints a line every 10 s instead of redrawing one) ---------
info() { printf '%s\n' "$*"; }
warn() { printf 'WARN: %s\n' "$*" >&2; }
die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}
die_with_log() {
  printf 'ERROR: %s\n' "$1" >&2
  if [[ -n ${2:-} && -r $2 ]]; then
    printf -- '--- last 40 lines of %s ---\n' "$2" >&2
    tail -n 40 "$2" >&2
    printf -- '--- end of %s ---\n' "$2" >&2
  fi
  exit 1
}
pid_alive() { kill -0 "$1" 2>/dev/null && [[ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)" != Z ]]; }
wait_until() { # WHAT TIMEOUT LOGFILE PID CMD...
  local what=$1 timeout=$2 logf=$3 pid=$4
  shift 4
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ -n $pid ]] && ! pid_alive "$pid"; then die_with_log "$what: process $pid exited while starting" "$logf"; fi
    if ((SECONDS >= deadline)); then die_with_log "$what: not ready after ${timeout}s" "$logf"; fi
    sleep 0.5
  done
}
PROGRESS_AT=0
progress() { # DONE TOTAL START UNIT: one line every 10 s (a pod's log keeps every line; \r would make one long line)
  ((SECONDS >= PROGRESS_AT || $1 >= $2)) || return 0
  PROGRESS_AT=$((SECONDS + 10))
  awk -v d="$1" -v t="$2" -v s="$3" -v u="$4" -v now="$(date +%s)" 'BEGIN {
    el = now - s; rate = (el > 0 ? d / el : 0); pct = (t > 0 ? int(100 * d / t) : 100); if (pct > 100) pct = 100
    printf "%3d%%  %d / %d %s  %.0f %s/s  ETA %.0fs\n", pct, d, t, u, rate, u, (rate > 0 && t > d ? (t - d) / rate : 0) }'
}

# --- HTTP on the pod's loopback (the postgres image has no curl) ------------------------------------------------
# http METHOD PORT PATH [BODY]: an HTTP/1.0 exchange with 127.0.0.1:PORT (no chunking, the server closes); prints the
# body of a 2xx answer, fails with the status line on stderr otherwise.
http() {
  local method=$1 port=$2 path=$3 body=${4:-} answer
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s %s HTTP/1.0\r\nHost: localhost\r\nAccept: %s\r\nContent-Type: application/merge-patch+json\r\nContent-Length: %s\r\n\r\n%s' \
    "$method" "$path" "${HTTP_ACCEPT:-application/json}" "${#body}" "$body" >&3
  answer="$(cat <&3)"
  exec 3<&-
  if [[ ! $answer =~ ^HTTP/1\.[01]\ 2 ]]; then
    printf '%s %s on port %s: %s\n' "$method" "$path" "$port" "${answer%%$'\r'*}" >&2
    return 1
  fi
  printf '%s\n' "${answer#*$'\r\n\r\n'}"
}
json_number() { # KEY: the first "KEY":<number> of the JSON on stdin
  grep -o "\"$1\":[0-9]*" | head -n 1 | cut -d: -f2
}

# --- Kafka -------------------------------------------------------------------------------------------------------
# The CLI classes take the same client settings as the projector: KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and
# KAFKA_SSL_* become a --command-config file (ReplayDeadLetters.java reads them the same way).
kafka_client_config() {
  local name file=/tmp/kafka-client.properties
  : >"$file"
  while IFS= read -r name; do
    if [[ $name == KAFKA_SECURITY_PROTOCOL || $name == KAFKA_SASL_* || $name == KAFKA_SSL_* ]]; then
      local key=${name#KAFKA_}
      key=${key,,}
      printf '%s=%s\n' "${key//_/.}" "${!name}" >>"$file"
    fi
  done < <(compgen -e)
  [[ -s $file ]] && printf '%s\n' "$file"
  return 0
}
kafka_tool() { # CLASS ARGS...: a Kafka CLI class from Kafka's jars (quiet logging, short timeouts)
  local cls=$1 logging=() config="$ORDERS_TOOLS_KAFKA_LIBS/../config/tools-log4j2.yaml"
  shift
  [[ -f $config ]] && logging=("-Dlog4j2.configurationFile=$config") # Kafka's own, as its scripts use it
  timeout 60 "$JAVA_HOME/bin/java" -Xms32m -Xmx256m -XX:TieredStopAtLevel=1 -XX:-UsePerfData "${logging[@]}" \
    -cp "$ORDERS_TOOLS_KAFKA_LIBS/*" "$cls" "$@"
}

# --- the live projector: Deployment/projector's scale, through the kubectl proxy sidecar -------------------------
# The Role orders-rebuild-read-model allows get on the Deployment, get/patch on its scale and on KEDA's ScaledObject
# projector, nothing else. Two ways to pause, by who scales the projector:
#   - the HPA (base, prod): scale the Deployment to 0, where the HPA stands still; scaling back to the replicas it had
#     hands it back to the HPA;
#   - KEDA (the optional component keda-projector: a ScaledObject projector exists): KEDA would scale a Deployment at
#     0 back to its minReplicaCount, so the ScaledObject is paused at 0 (annotation autoscaling.keda.sh/paused-replicas)
#     and the annotation removed afterwards.
KUBE_PROXY_PORT=8001
KEDA_PAUSED=autoscaling.keda.sh/paused-replicas
scale_path() { printf '/apis/apps/v1/namespaces/%s/deployments/projector/scale\n' "$POD_NAMESPACE"; }
scaled_object_path() { printf '/apis/keda.sh/v1alpha1/namespaces/%s/scaledobjects/projector\n' "$POD_NAMESPACE"; }
live_replicas() { http GET "$KUBE_PROXY_PORT" "$(scale_path)" | grep -o '"spec":{[^}]*}' | { json_number replicas || true; }; }
live_pods() { http GET "$KUBE_PROXY_PORT" "$(scale_path)" | grep -o '"status":{[^}]*}' | { json_number replicas || true; }; }
live_pods_gone() { [[ "$(live_pods)" == 0 ]]; }
keda_scales_projector() { http GET "$KUBE_PROXY_PORT" "$(scaled_object_path)" >/dev/null 2>&1; }
PAUSED_REPLICAS="" PAUSED_BY=""
pause_live_projector() {
  local replicas grace
  replicas="$(live_replicas)" || die "cannot read the projector's scale through the kubectl proxy"
  grace="$(http GET "$KUBE_PROXY_PORT" "/apis/apps/v1/namespaces/$POD_NAMESPACE/deployments/projector" |
    json_number terminationGracePeriodSeconds)" || die "cannot read Deployment/projector through the kubectl proxy"
  if keda_scales_projector; then
    http PATCH "$KUBE_PROXY_PORT" "$(scaled_object_path)" "{\"metadata\":{\"annotations\":{\"$KEDA_PAUSED\":\"0\"}}}" \
      >/dev/null || die "cannot pause ScaledObject/projector at 0 replicas"
    PAUSED_BY=keda
    info "live projector: ScaledObject/projector paused at 0 replicas ($KEDA_PAUSED), from $replicas"
  else
    http PATCH "$KUBE_PROXY_PORT" "$(scale_path)" '{"spec":{"replicas":0}}' >/dev/null ||
      die "cannot scale Deployment/projector to 0"
    PAUSED_BY=scale
    info "live projector: Deployment/projector scaled from ${replicas:-0} to 0 replicas"
  fi
  PAUSED_REPLICAS=${replicas:-0}
  wait_until "the live projector's pods stopping" 300 "" "" live_pods_gone
  # A terminating pod no longer counts, but may still be committing its offsets: it is gone by the end of its grace
  # period.
  info "live projector: waiting ${grace:-30}s (its pods' termination grace period) for them to leave the group"
  sleep "${grace:-30}"
}
resume_live_projector() {
  [[ -n $PAUSED_BY ]] || return 0
  if [[ $PAUSED_BY == keda ]]; then
    if http PATCH "$KUBE_PROXY_PORT" "$(scaled_object_path)" "{\"metadata\":{\"annotations\":{\"$KEDA_PAUSED\":null}}}" \
      >/dev/null; then
      info "live projector: ScaledObject/projector resumed (KEDA scales it again)" >&2
      PAUSED_BY=""
      return 0
    fi
    warn "could not resume ScaledObject/projector: kubectl -n $POD_NAMESPACE annotate scaledobject/projector $KEDA_PAUSED-"
    return 1
  fi
  if http PATCH "$KUBE_PROXY_PORT" "$(scale_path)" "{\"spec\":{\"replicas\":$PAUSED_REPLICAS}}" >/dev/null; then
    info "live projector: Deployment/projector scaled back to $PAUSED_REPLICAS replicas (the HPA takes over)" >&2
    PAUSED_BY=""
  else
    warn "could not scale Deployment/projector back to $PAUSED_REPLICAS: kubectl -n $POD_NAMESPACE scale deployment/projector --replicas=$PAUSED_REPLICAS"
    return 1
  fi
}

# --- the tools ---------------------------------------------------------------------------------------------------
rq() { # SQL on the read primary
  PGPASSWORD="${ORDERS_READ_DB_PASSWORD:-}" psql -X -q -v ON_ERROR_STOP=1 -U "${ORDERS_READ_DB_USER:-orders}" \
    -d "${ORDERS_READ_DB_URL#jdbc:}" -At -c "$1"
}
check_consistency() { bash "$TOOLS_DIR/check-consistency.sh" "$@"; }

case ${1:-} in
  rebuild-read-model)
    # what rebuild-read-model.sh reads (see its header)
    JAVA_HOME=${ORDERS_TOOLS_JAVA_HOME:?} PROJECTOR_JAR=${ORDERS_TOOLS_PROJECTOR:?}/quarkus-run.jar
    # shellcheck disable=SC2034
    KAFKA_BOOTSTRAP=${KAFKA_BOOTSTRAP_SERVERS:?} REBUILD_PORT=8084 REBUILD_LOG=/tmp/projector-rebuild.log
    # shellcheck disable=SC2034
    ORDERS_TOOLS_KAFKA_CONFIG="$(kafka_client_config)"
    export JAVA_HOME
    : "${POD_NAMESPACE:?}" "${ORDERS_TOOLS_KAFKA_LIBS:?}"
    [[ -f $PROJECTOR_JAR ]] || die "no projector application at $PROJECTOR_JAR (the init container copies it)"
    # Fail before hours of replay, not at the swap: the API must answer and the projector must be running.
    replicas="$(live_replicas)" || die "the Kubernetes API does not answer through the kubectl proxy sidecar"
    ((${replicas:-0} > 0)) || die "Deployment/projector runs no replica: scale it up first (a rebuild pauses it)"
    rebuild_metrics() { HTTP_ACCEPT="text/plain; version=0.0.4" http GET "$((REBUILD_PORT + 1000))" /q/metrics; }
    rebuild_ready() { http GET "$((REBUILD_PORT + 1000))" /q/health/ready >/dev/null; }
    cd /tmp
    # shellcheck source-path=SCRIPTDIR source=rebuild-read-model.sh
    source "$TOOLS_DIR/rebuild-read-model.sh"
    rebuild_read_model
    ;;
  *)
    echo "usage: in-cluster.sh rebuild-read-model" >&2
    exit 2
    ;;
esac
