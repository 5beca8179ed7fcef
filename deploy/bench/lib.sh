# shellcheck shell=bash
# What the benchmark scripts (run, profile, demos) share; sourced after deploy/lib/common.sh.
# shellcheck source-path=SCRIPTDIR source=../lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/services.sh"

# jit_ticks PID: CPU clock ticks (1/100 s) the JVM PID's JIT compiler threads (C1, C2) have used so far.
jit_ticks() {
  local t comm stat sum=0
  local -a f
  for t in /proc/"$1"/task/*; do
    comm="$(cat "$t/comm" 2>/dev/null)" || continue
    [[ $comm == C[12]\ Compiler* ]] || continue
    stat="$(cat "$t/stat" 2>/dev/null)" || continue
    read -r -a f <<<"${stat##*) }" # fields from the 3rd on: utime is the 14th, stime the 15th
    ((sum += f[11] + f[12]))
  done
  echo "$sum"
}

# warm_until_compiled PID MIN_S MAX_S COMMAND...: runs COMMAND SECONDS (it takes the duration as its last argument)
# for MIN_S, then 5 s at a time while the JIT compiled for more than JIT_QUIET_TICKS (25: 5 % of a core) during the
# last 5 s, MAX_S in all; prints the seconds it ran. A fixed warm-up measured Quarkus half-compiled: a fresh
# query-service's C2 thread used 56 % of a core 15-20 s into a page load, 11 % at 30-35 s, under 2 % after 45 s
# (session 14), so a measurement after 15 s shared the cores with the compiler and ran partly interpreted code.
JIT_QUIET_TICKS=25
warm_until_compiled() {
  local pid=$1 min=$2 max=$3 spent before
  shift 3
  "$@" "$min"
  spent=$min
  while ((spent < max)) && [[ -d /proc/$pid ]]; do
    before="$(jit_ticks "$pid")"
    "$@" 5
    ((spent += 5))
    (($(jit_ticks "$pid") - before <= JIT_QUIET_TICKS)) && break
  done
  echo "$spent"
}

# warm_wrk THREADS CONNS LUA URL FLUSH [ENV=value...] SECONDS: one warm-up run of wrk (ORDERS_WARMUP set) that goes on
# from the ids the runs before it reached (WARM_REQUESTS, which the caller zeroes before a warm-up: read-get.lua's
# ORDERS_WARMUP_SKIP), the last argument so warm_until_compiled can run it 5 s at a time. FLUSH=1 flushes Redis first:
# past a quarter of the ids a thread meets the other's, which an earlier run cached, and the cold case stays uncached.
WARM_REQUESTS=0
warm_wrk() {
  local threads=$1 conns=$2 lua=$3 url=$4 flush=$5 out
  shift 5
  ((flush)) && flush_redis
  out="$(env "${@:1:$#-1}" ORDERS_WARMUP=1 ORDERS_WARMUP_SKIP="$((WARM_REQUESTS / threads))" wrk -t"$threads" \
    -c"$conns" -d"${!#}s" --timeout 10s -s "$lua" "$url" 2>/dev/null | grep '^RESULT')" || true
  [[ $out =~ requests=([0-9]+) ]] && ((WARM_REQUESTS += BASH_REMATCH[1]))
  return 0
}

# bench_stop: stops the bench's own service instances (BENCH_QPID, BENCH_CPID) and returns once they have exited
# (SIGKILL after 30 s), so their ports are free for the next run: an instance still shutting down when the script had
# returned held :8096 and failed the next test run. Forgets their pids, so the CPU accounting stops naming them and a
# second call (the exit trap after a stop mid-run) does nothing.
bench_stop() {
  [[ -n ${BENCH_QPID:-} ]] && stop_pid "bench query-service" "$BENCH_QPID" 30 >&2
  [[ -n ${BENCH_CPID:-} ]] && stop_pid "bench command-service" "$BENCH_CPID" 30 >&2
  BENCH_QPID="" BENCH_CPID=""
}

# bench_jar VAR SERVICE: the jar the bench's own instance of SERVICE runs: the build in target/ unless VAR
# (BENCH_QUERY_JAR, BENCH_COMMAND_JAR) names another quarkus-run.jar, a copy of another build's target/quarkus-app, so
# that two builds can alternate in one sitting without replacing the jars the stack's own services run from.
bench_jar() { printf '%s\n' "${!1:-$(service_jar "$2")}"; }

# bench_jfr_option LOG: with BENCH_JFR=1 (write-stalls sets it), the JVM option that records a bench instance with
# JFR's profile settings into LOG's .jfr twin, written when the instance stops: what its threads did through a stall.
bench_jfr_option() {
  [[ ${BENCH_JFR:-} == 1 ]] || return 0
  printf -- '-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=%s\n' "${1%.log}.jfr"
}

# bench_query_start NAME PORT LOG: a query-service instance of the bench's own on PORT, with the rate limits raised so
# the limiter does not throttle the measurement (it is still measured: its work is part of every request). Sets
# BENCH_QPID and returns once the instance is ready; the caller stops it (bench_stop). Its GC pauses and safepoints go
# to LOG's -gc.log twin, as the stack's do: a latency spike in a run can be checked against them. With BENCH_JFR=1
# it records JFR (bench_jfr_option). BENCH_QUERY_JAVA_OPTS adds JVM options (jvm-ab: A's or B's).
bench_query_start() {
  local name=$1 port=$2 log=$3 jfr
  jfr="$(bench_jfr_option "$log")"
  # traced like production (k8s: 10 % of requests), not like the local stack (every request): override with
  # ORDERS_TRACE_SAMPLE_RATIO, or QUARKUS_OTEL_SDK_DISABLED=true for none
  env QUARKUS_HTTP_PORT="$port" QUARKUS_MANAGEMENT_PORT="$((port + 1000))" MP_JWT_VERIFY_PUBLICKEY_LOCATION="$JWT_DIR/publicKey.pem" \
    ORDERS_TRACE_SAMPLE_RATIO="${ORDERS_TRACE_SAMPLE_RATIO:-0.1}" \
    "$JAVA_HOME/bin/java" -Xms256m -Xmx768m "$(gc_log_option "${log%.log}-gc.log")" ${jfr:+"$jfr"} \
    ${BENCH_QUERY_JAVA_OPTS:-} \
    -Dorders.rate-limit.classes.read.limit=1000000000 \
    -Dorders.rate-limit.classes.search.limit=1000000000 \
    -jar "$(bench_jar BENCH_QUERY_JAR query-service)" >"$log" 2>&1 &
  BENCH_QPID=$!
  wait_http "$name" "$(management_url "$port" /q/health/ready)" 90 "$log" "$BENCH_QPID"
}

# bench_command_start NAME PORT LOG: a command-service instance of the bench's own on PORT, traced like production
# (10 % of requests) instead of like the local stack's (every request: ten spans exported per write). It migrates
# nothing (the stack's instance owns the schema) and relays like any replica (the relay lock takes turns with the
# stack's). Sets BENCH_CPID and returns once the instance is ready; the caller stops it (bench_stop). Its GC log is
# LOG's -gc.log twin; with BENCH_JFR=1 it records JFR (bench_jfr_option).
bench_command_start() {
  local name=$1 port=$2 log=$3 command
  # the stack's own command line (deploy/lib/services.sh), with this port's management interface (the later
  # assignment wins in env)
  ORDERS_SERVICE_JAVA_OPTS="$ORDERS_SERVICE_JAVA_OPTS $(bench_jfr_option "$log")" SERVICE_GC_LOG="${log%.log}-gc.log" \
    service_command command command-service "$port" QUARKUS_MANAGEMENT_PORT="$((port + 1000))" \
    QUARKUS_FLYWAY_MIGRATE_AT_START=false ORDERS_TRACE_SAMPLE_RATIO="${ORDERS_TRACE_SAMPLE_RATIO:-0.1}"
  command[-1]="$(bench_jar BENCH_COMMAND_JAR command-service)" # the command line ends with the jar
  "${command[@]}" >"$log" 2>&1 &
  BENCH_CPID=$!
  wait_http "$name" "$(management_url "$port" /q/health/ready)" 90 "$log" "$BENCH_CPID"
}

# pgbench_as PORT DB USER CLIENTS [pgbench args...]: pgbench as USER (its password) through PORT into DB, with the
# options every limit and demonstration shares (extended protocol, as the services' clients; two threads)
pgbench_as() {
  local port=$1 db=$2 user=$3 clients=$4 pw=$ORDERS_DB_PASSWORD
  shift 4
  [[ $user == "$ORDERS_READER_USER" ]] && pw=$ORDERS_READER_PASSWORD
  PGPASSWORD="$pw" "$PG_BIN/pgbench" -n -M extended -h 127.0.0.1 -p "$port" -U "$user" -c "$clients" -j 2 "$@" "$db"
}

# create_order_inputs: what create-order posts (run, profile --write), from the seeded data (deterministic ids
# md5('seed-customer-' || n) and md5('seed-product-' || n), n = 0 .. count - 1): sets customers_n and products_n (the
# seeder's customers and products), WRITER_TOKEN (a mid-sized customer's, who places the orders) and BODY (three lines
# of seeded products). Tokens live as long as the APIs accept one (ORDERS_JWT_MAX_AGE).
create_order_inputs() {
  local writer p1 p2 p3
  customers_n="$(db_tool write -At -c "SELECT count(*) FROM customers WHERE email LIKE '%@example.org'")"
  ((customers_n > 0)) || die "no seeded customers: run deploy/seed/seed first"
  products_n="$(db_tool write -At -c "SELECT count(*) FROM products WHERE name ~ ' [0-9A-F]{5}$'")"
  ((products_n >= 3)) || die "no seeded products: run deploy/seed/seed first"
  writer="$(db_tool write -At -c "SELECT md5('seed-customer-' || $((customers_n / 2)))::uuid")"
  WRITER_TOKEN="$("$LOCAL_DIR/token" --ttl "$ORDERS_JWT_MAX_AGE" "$writer")"
  IFS='|' read -r p1 p2 p3 < <(db_tool write -At -c "SELECT md5('seed-product-1')::uuid, md5('seed-product-2')::uuid,
                                                            md5('seed-product-3')::uuid")
  BODY="{\"items\":[{\"productId\":\"$p1\",\"quantity\":1},{\"productId\":\"$p2\",\"quantity\":2},{\"productId\":\"$p3\",\"quantity\":1}]}"
}

# create_order_writers FILE N: who places run's orders, one writer per line as "token<TAB>body", after
# create_order_inputs: N seeded customers spread evenly over all of them, each with its own token and three distinct
# seeded products drawn at random (quantities 1, 2 and 1, as BODY's). The write's limit (sql/create-order.sql) draws a
# customer and three products for each transaction from all of them. Until session 36 every API write was
# WRITER_TOKEN's with BODY's three products: all of them locked the same customer row and product rows (the foreign
# keys' KEY SHARE), and the projector's consumers queued on that one customer's customer_summary row. The limit does
# none of that. N=1 is that single writer.
create_order_writers() {
  local file=$1 n=$2 i p1 p2 p3
  if ((n <= 1)); then
    printf '%s\t%s\n' "$WRITER_TOKEN" "$BODY" >"$file"
    return 0
  fi
  ((n <= customers_n)) || n=$customers_n
  local -a customers tokens lines
  mapfile -t customers < <(db_tool write -At -c "SELECT md5('seed-customer-' || (i * $customers_n / $n))::uuid
                                                  FROM generate_series(0, $n - 1) i")
  mapfile -t tokens < <("$LOCAL_DIR/token" --ttl "$ORDERS_JWT_MAX_AGE" "${customers[@]}")
  # three distinct products per writer: the first three distinct of eight draws (w * 0 draws anew for each writer)
  mapfile -t lines < <(db_tool write -At -F ' ' -c "
    SELECT md5('seed-product-' || p[1])::uuid, md5('seed-product-' || p[2])::uuid, md5('seed-product-' || p[3])::uuid
      FROM generate_series(1, $n) w,
           LATERAL (SELECT array_agg(k) AS p
                      FROM (SELECT DISTINCT floor(random() * $products_n)::int + w * 0 AS k
                              FROM generate_series(1, 8) LIMIT 3) d) x
     WHERE cardinality(p) = 3")
  ((${#tokens[@]} == n && ${#lines[@]} == n)) || die "create_order_writers: ${#tokens[@]} tokens, ${#lines[@]} product sets for $n writers"
  for ((i = 0; i < n; i++)); do
    read -r p1 p2 p3 <<<"${lines[i]}"
    printf '%s\t{"items":[{"productId":"%s","quantity":1},{"productId":"%s","quantity":2},{"productId":"%s","quantity":1}]}\n' \
      "${tokens[i]}" "$p1" "$p2" "$p3"
  done >"$file"
}

# flush_redis: query-service's Redis keys (cached orders, rate-limit windows): the next reads are cold.
flush_redis() {
  redis-cli -p "$REDIS_PORT" --scan --pattern 'orders:v1:*' | xargs -r -n 500 redis-cli -p "$REDIS_PORT" DEL >/dev/null
}

# server_histogram PORT: the latency histogram a bench instance keeps of its own GET /orders/{id} answers (Micrometer's
# percentile buckets, cumulative), as "status le count" lines. The load generator measures from its side of the
# connection, on the same two cores; this is the service's side of the same requests.
server_histogram() {
  curl -fsS --max-time 5 "$(management_url "$1" /q/metrics)" 2>/dev/null | awk '
    {sub(/ # \{.*/, "")} # an exemplar after the value (OpenMetrics)
    /^http_server_requests_seconds_bucket\{/ && /uri="\/orders\/\{id\}"/ {
      if (!match($0, /status="[^"]*"/)) next
      st = substr($0, RSTART + 8, RLENGTH - 9)
      if (!match($0, /le="[^"]*"/)) next
      c[st SUBSEP substr($0, RSTART + 4, RLENGTH - 5)] += $NF
    }
    END {for (k in c) {split(k, p, SUBSEP); print p[1], p[2], c[k]}}'
}

# server_percentiles BEFORE AFTER STATUS: "count p50 p95 p99" (ms, each the upper bound of its bucket) of the STATUS
# answers between two server_histogram snapshots; "0" when there were none.
server_percentiles() {
  awk -v st="$3" 'FNR == NR {if ($1 == st) b[$2] = $3; next}
    $1 == st {print ($2 == "+Inf" ? "inf" : $2), $3 - b[$2]}' "$1" "$2" | sort -g | awk '
    {le[NR] = $1; c[NR] = $2; total = $2} # +Inf sorts last: its count is the total
    END {
      if (total <= 0) {print 0; exit}
      out = total; split("0.5 0.95 0.99", q, " ")
      for (i = 1; i <= 3; i++)
        for (j = 1; j <= NR; j++)
          if (c[j] >= q[i] * total) {out = out " " (le[j] == "inf" ? "inf" : sprintf("%.0f", le[j] * 1000)); break}
      print out
    }'
}

# cpu_snapshot: the CPU each process has used so far, for cpu_shares to compare two snapshots: first
# "machine BUSY TOTAL" (clock ticks of all cores, /proc/stat), then "PID GROUP TICKS" (utime + stime) per process,
# grouped by what it is in the stack (the bench's own instances: BENCH_QPID, BENCH_CPID). Builtins only, no fork per
# process (about 40 ms in all): a sampler of the harness once took half a core (BENCHMARKS.md, session 16).
cpu_snapshot() {
  local qpid=${BENCH_QPID:-} cpid=${BENCH_CPID:-} p line comm group
  local -a f args
  read -r -a f </proc/stat
  echo "machine $((f[1] + f[2] + f[3] + f[6] + f[7] + f[8])) $((f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7] + f[8]))"
  for p in /proc/[0-9]*; do
    read -r line 2>/dev/null <"$p/stat" || continue
    comm="${line#*(}" && comm="${comm%%)*}"
    read -r -a f <<<"${line##*) }" # fields from the 3rd on: utime is the 14th, stime the 15th
    case $comm in
      postgres) group=Postgres ;;
      pgbouncer) group=PgBouncer ;;
      redis-server) group=Redis ;;
      wrk | pgbench) group=load-generator ;;
      psql) group=samplers ;;
      java)
        args=()
        mapfile -d '' -t args 2>/dev/null <"$p/cmdline" || true
        if [[ ${p#/proc/} == "$qpid" ]]; then group=query-service
        elif [[ ${p#/proc/} == "$cpid" ]]; then group=command-service
        elif [[ "${args[*]}" == *gatling* ]]; then group=load-generator # Gatling and the Maven JVM that forked it
        elif [[ "${args[*]}" == *kafka.Kafka* ]]; then group=Kafka
        elif [[ "${args[*]}" == *projector/target/quarkus-app/* ]]; then group=projector
        else group=other-services; fi ;;
      *) group=other ;;
    esac
    echo "${p#/proc/} $group $((f[11] + f[12]))"
  done
}

# cpu_shares BEFORE AFTER: between two cpu_snapshots, the machine's busy share ("busy PERCENT") and each group's share
# ("GROUP PERCENT", largest first), in percent of all cores' time; "ended" is what processes that ended in between
# used (the machine counts it, no snapshot has it).
cpu_shares() {
  awk 'FNR == 1 {file++}
       $1 == "machine" {busy[file] = $2; total[file] = $3; next}
       file == 1 {t0[$1] = $3; next}
       {g[$2] += $3 - ($1 in t0 ? t0[$1] : 0)}
       END {
         all = total[2] - total[1]; if (all <= 0) exit
         used = busy[2] - busy[1]; printf "busy %.1f\n", 100 * used / all
         for (k in g) used -= g[k]
         if (used > 0) g["ended"] = used
         for (k in g) printf "%s %.1f\n", k, 100 * g[k] / all | "sort -k2,2 -rn"
       }' "$1" "$2"
}

# cpu_line BEFORE AFTER LABEL [ENDED]: one line for the report, each process group's share of the machine between two
# cpu_snapshots; ENDED names what the processes that ended in between were (a wrk or pgbench run: the load generator).
cpu_line() {
  cpu_shares "$1" "$2" | awk -v w="$3" -v ended="${4:-processes that ended meanwhile}" '
    BEGIN {names["load-generator"] = "the load generator"; names["other-services"] = "the stack'"'"'s other JVMs"
           names["samplers"] = "the harness'"'"'s samplers"; names["ended"] = ended; names["other"] = "everything else"}
    $1 == "busy" {busy = $2; next}
    $2 >= 0.05 {s = s sprintf("%s%s %s %%", (s == "" ? "" : ", "), (($1 in names) ? names[$1] : $1), $2)}
    END {printf "%s: machine %s %% busy; %s\n", w, busy, s}'
}

# cpu_window STARTED FROM_S TO_S OUT: waits for the file STARTED (a load's start, epoch milliseconds), then takes a
# cpu_snapshot FROM_S and TO_S seconds after that start, into OUT.0 and OUT.1.
cpu_window() {
  local started=$1 out=$4 t0 i wait_ms nap
  local -a at=("$2" "$3")
  # Waits without forking: a read that times out on a pipe nothing writes to. `sleep 0.2` in a loop forked five
  # processes a second in each window, and the open model starts one window per workload at once: six waiting
  # windows took about a tenth of the machine from the steps they measured ("processes that ended meanwhile" in the
  # full runs' write step; BENCHMARKS.md, session 36).
  exec {nap}<> <(:)
  until [[ -s $started ]]; do read -r -t 0.2 -u "$nap" || :; done
  read -r t0 <"$started"
  for i in 0 1; do
    wait_ms=$((t0 + at[i] * 1000 - ${EPOCHREALTIME//[.,]/} / 1000))
    ((wait_ms > 0)) && { read -r -t "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))" -u "$nap" || :; }
    cpu_snapshot >"$out.$i"
  done
  exec {nap}<&-
}
