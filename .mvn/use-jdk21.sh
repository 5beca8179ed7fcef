# Sourced by ../mvnw (POSIX sh). The build needs a JDK 21+ (Quarkus 3.33, --release 21); when JAVA_HOME (or the
# java on PATH) is older, use the newest JDK 21+ under /usr/lib/jvm, as the deploy/ scripts do (find_jdk), so a
# plain ./mvnw works on a machine whose default JDK is 17. An explicit JAVA_HOME of 21+ is always kept.
orders_jdk_major() {
  [ -x "$1/bin/javac" ] || return 1
  orders_v=$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$1/release" 2>/dev/null)
  orders_v=${orders_v#1.}
  orders_v=${orders_v%%[.+-]*}
  case $orders_v in '' | *[!0-9]*) return 1 ;; esac
  echo "$orders_v"
}
orders_home=${JAVA_HOME:-}
if [ -z "$orders_home" ] && command -v java >/dev/null 2>&1; then
  orders_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
fi
orders_major=$(orders_jdk_major "$orders_home" || true)
if [ -z "$orders_major" ] || [ "$orders_major" -lt 21 ]; then
  orders_best="" orders_best_v=0
  for orders_h in /usr/lib/jvm/*; do
    orders_hv=$(orders_jdk_major "$orders_h") || continue
    if [ "$orders_hv" -ge 21 ] && [ "$orders_hv" -gt "$orders_best_v" ]; then
      orders_best=$orders_h orders_best_v=$orders_hv
    fi
  done
  if [ -n "$orders_best" ]; then
    JAVA_HOME=$orders_best
    export JAVA_HOME
  else
    echo "mvnw: this build needs a JDK 21+; found ${orders_major:-none} (JAVA_HOME or PATH) and none under /usr/lib/jvm" >&2
  fi
fi
unset -f orders_jdk_major
unset orders_v orders_home orders_major orders_best orders_best_v orders_h orders_hv
