# shellcheck shell=bash
# deploy/local/up's trace collector: an OTLP/HTTP receiver (deploy/local/otlp/LocalTraces.java, JDK only) that appends
# the services' spans to $TRACE_FILE as JSON lines, for deploy/local/trace. Sourced by up after deploy/lib/common.sh;
# defines functions only.

ensure_trace_receiver() {
  local pid log="$LOG_DIR/traces.log"
  if pid="$(trace_receiver_pid)"; then
    wait_port traces "$OTLP_PORT" 30 "$log" "$pid"
    info "traces: already running (pid $pid, 127.0.0.1:$OTLP_PORT -> $TRACE_FILE)"
    return 0
  fi
  require_free_port "trace receiver" "$OTLP_PORT" OTLP_PORT
  mkdir -p "$(dirname "$TRACE_FILE")"
  pid="$(spawn "$RUN_DIR/traces.pid" "$log" "$JAVA_HOME/bin/java" -Xms16m -Xmx96m -XX:+UseSerialGC \
    -XX:TieredStopAtLevel=1 "$LOCAL_DIR/otlp/LocalTraces.java" receive --port "$OTLP_PORT" --file "$TRACE_FILE")"
  wait_port traces "$OTLP_PORT" 60 "$log" "$pid"
  info "traces: started (pid $pid, OTLP/HTTP 127.0.0.1:$OTLP_PORT -> $TRACE_FILE)"
}
