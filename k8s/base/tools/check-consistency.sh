#!/usr/bin/env bash
# Compares the write model (orders on the write Postgres) with the read model (order_view on the read primary, or
# the replica with --replica): per UTC day the row count, the sum of totals and an order-independent checksum of
# (id, version, status, total); for each differing day, the ids that differ. Also reports duplicate ids in the read
# model. Exit 0 when identical, 1 on any difference, 2 on usage/connection errors.
#   check-consistency [--replica] [--since YYYY-MM-DD] [--customer UUID] [--settle SECONDS]
# --settle: on a live system an order written a moment ago may not be projected yet; with SECONDS > 0 the ids that
# differ are compared again after that long, and only those that still differ count (the in-cluster CronJob).
#
# The one implementation of the check, run by deploy/local/check-consistency (the local stack) and by the CronJob
# orders-consistency-check (k8s/base/tools.yaml, from the ConfigMap orders-tools). The caller names the databases:
#   ORDERS_WRITE_DB_URL, ORDERS_READ_DB_URL, ORDERS_REPLICA_DB_URL   libpq URIs (postgresql://host:port/db?...; a
#                                                                    jdbc: prefix is dropped)
#   ORDERS_WRITE_DB_USER/_PASSWORD, ORDERS_READ_DB_USER/_PASSWORD    the roles (the replica uses the read side's)
#   ORDERS_WRITE_DB_SSLROOTCERT, ORDERS_READ_DB_SSLROOTCERT          optional: the CA file of that side's server
#                           certificate, replacing the URL's sslrootcert (the services' URLs name one path for both)
#   ORDERS_READ_DB_LABEL    how the output names the read side (default: its host and port)
#   PSQL                    the psql to run (default: psql on the PATH)
set -euo pipefail

READ_TARGET="read"
SINCE="1970-01-01"
SCOPE="true"
SETTLE=0
while (($#)); do
  case $1 in
    --replica) READ_TARGET=replica ;;
    --since) SINCE="${2:?--since needs a date}"; shift ;;
    --customer)
      [[ ${2:-} =~ ^[0-9a-fA-F-]{36}$ ]] || { echo "--customer needs a UUID" >&2; exit 2; }
      SCOPE="customer_id = '$2'"; shift ;;
    --settle)
      [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "--settle needs a number of seconds" >&2; exit 2; }
      SETTLE=$2; shift ;;
    -h | --help) sed -n '2,8p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

# The per-day aggregates read every order: longer than the app role's statement_timeout allows a request.
export PGOPTIONS="-c statement_timeout=30min"
db_url() { # TARGET -> its libpq URI
  local var="ORDERS_${1^^}_DB_URL" side=READ url
  [[ $1 == write ]] && side=WRITE
  local ca="ORDERS_${side}_DB_SSLROOTCERT"
  url=${!var#jdbc:}
  if [[ -n ${!ca:-} ]]; then # this side's CA file where this container has it, in place of the URL's sslrootcert
    url="$(sed -E 's/([?&])sslrootcert=[^&]*(&|$)/\1/; s/[?&]$//' <<<"$url")"
    if [[ $url == *\?* ]]; then url+="&sslrootcert=${!ca}"; else url+="?sslrootcert=${!ca}"; fi
  fi
  printf '%s\n' "$url"
}
for target in write "$READ_TARGET"; do
  var="ORDERS_${target^^}_DB_URL"
  [[ -n ${!var:-} ]] || { echo "no database URL for $target: set $var" >&2; exit 2; }
done
q() { # q TARGET SQL (write | read | replica)
  local side=READ
  [[ $1 == write ]] && side=WRITE
  local user="ORDERS_${side}_DB_USER" password="ORDERS_${side}_DB_PASSWORD"
  PGPASSWORD="${!password:-}" "${PSQL:-psql}" -X -q -v ON_ERROR_STOP=1 -U "${!user:-orders}" -d "$(db_url "$1")" \
    -At -F '|' -c "$2" || exit 2
}
read_label() { # the read side, as the output names it
  if [[ -n ${ORDERS_READ_DB_LABEL:-} ]]; then
    printf '%s\n' "$ORDERS_READ_DB_LABEL"
  else
    db_url "$READ_TARGET" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#'
  fi
}

# md5 of each row folded with sum() over its first 60 bits: independent of row order and cheap on any size.
per_day() { # TABLE -> day|count|sum|checksum
  echo "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*), sum(total_cents),
               sum(('x' || substr(md5(id::text || ':' || version || ':' || status || ':' || total_cents), 1, 15))::bit(60)::bigint)
          FROM $1 WHERE created_at >= '$SINCE'::date AND $SCOPE GROUP BY 1 ORDER BY 1"
}
# rows_of_day DAY: the day's rows on both sides (files $tmp/w.DAY and $tmp/r.DAY: id|version|status|total, by id)
rows_of_day() {
  local row_sql="SELECT id || '|' || version || '|' || status || '|' || total_cents FROM %s
            WHERE created_at >= '$1'::date AND created_at < '$1'::date + 1 AND $SCOPE ORDER BY 1"
  # shellcheck disable=SC2059
  q write "$(printf "$row_sql" orders)" >"$tmp/w.$1"
  # shellcheck disable=SC2059
  q "$READ_TARGET" "$(printf "$row_sql" order_view)" >"$tmp/r.$1"
}
# differing_rows DAY: the rows of the day that differ, "id  write-state | read-state"
differing_rows() {
  join -t '|' -a1 -a2 -e - -o 0,1.2,1.3,1.4,2.2,2.3,2.4 "$tmp/w.$1" "$tmp/r.$1" 2>/dev/null |
    awk -F'|' '$2 != $5 || $3 != $6 || $4 != $7 {printf "  %s  %s/%s/%s | %s/%s/%s\n", $1, $2, $3, $4, $5, $6, $7}'
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
q write "$(per_day orders)" >"$tmp/write"
q "$READ_TARGET" "$(per_day order_view)" >"$tmp/read"

status=0
write_days=$(wc -l <"$tmp/write")
printf 'write model: %s days, %s orders; read model (%s): %s days, %s orders\n' \
  "$write_days" "$(awk -F'|' '{s+=$2} END {print s+0}' "$tmp/write")" "$(read_label)" \
  "$(wc -l <"$tmp/read")" "$(awk -F'|' '{s+=$2} END {print s+0}' "$tmp/read")"

mapfile -t bad_days < <(join -t '|' -a1 -a2 -e MISSING -o 0,1.2,1.3,1.4,2.2,2.3,2.4 "$tmp/write" "$tmp/read" |
  awk -F'|' '$2 != $5 || $3 != $6 || $4 != $7 {print $1}')
if ((SETTLE > 0 && ${#bad_days[@]} > 0)); then
  # A live system: what differs now may be on its way through the outbox and the projector. Note the differing ids,
  # wait, and keep only the days with an id that differed both times.
  for day in "${bad_days[@]}"; do
    rows_of_day "$day"
    differing_rows "$day" | awk '{print $1}' >"$tmp/first.$day"
  done
  printf 'waiting %ss: %s day(s) differ, comparing their ids again\n' "$SETTLE" "${#bad_days[@]}"
  sleep "$SETTLE"
  settled=()
  for day in "${bad_days[@]}"; do
    rows_of_day "$day"
    if differing_rows "$day" | awk 'FILENAME == ARGV[1] {first[$1]; next} $1 in first {found = 1} END {exit !found}' \
      "$tmp/first.$day" -; then
      settled+=("$day")
    fi
  done
  bad_days=("${settled[@]}")
fi
for day in "${bad_days[@]}"; do
  status=1
  ((SETTLE > 0)) || rows_of_day "$day" # (with --settle: the second look's rows)
  printf 'DIFF %s: write %s rows, read %s rows; differing ids (write-side state | read-side state):\n' "$day" \
    "$(wc -l <"$tmp/w.$day")" "$(wc -l <"$tmp/r.$day")"
  if ((SETTLE > 0)); then
    # only the ids that differed on the first look too (the others are still on their way)
    differing_rows "$day" | awk 'FILENAME == ARGV[1] {first[$1]; next} $1 in first' "$tmp/first.$day" - | head -n 50 || true
  else
    differing_rows "$day" | head -n 50 || true
  fi
done

dups="$(q "$READ_TARGET" "SELECT count(*) FROM (SELECT id FROM order_view WHERE $SCOPE GROUP BY id HAVING count(*) > 1) d")"
if [[ $dups != 0 ]]; then
  status=1
  echo "DUPLICATES: $dups ids appear more than once in order_view"
fi
if ((status == 0)); then echo "CONSISTENT: read model equals write model (${write_days} days compared)"; fi
exit "$status"
