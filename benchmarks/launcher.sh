# Sourced by benchmarks/bench and benchmarks/jmh: builds the benchmarks module (and the modules it
# needs) when stale, as the repository's ./streamy shim does, and sets BENCH_ROOT, BENCH_CP and
# BENCH_JAVA. JAVA_HOME picks the Java (17+); BENCH_SKIP_BUILD=1 runs what is built as it is.

bench_resolve_root() {
  local source="$1" dir
  while [[ -L "$source" ]]; do
    dir="$(CDPATH='' cd -P "$(dirname "$source")" > /dev/null && pwd)"
    source="$(readlink "$source")"
    [[ "$source" != /* ]] && source="$dir/$source"
  done
  BENCH_ROOT="$(CDPATH='' cd -P "$(dirname "$source")/.." > /dev/null && pwd)"
}

# stale: the classes or the classpath file are missing, a jar of the classpath is gone, or a source
# or POM of the checkout is newer than the classpath file.
bench_stale() {
  local classpath_file="$BENCH_ROOT/benchmarks/target/classpath.txt" entry
  [[ -e "$classpath_file" && -d "$BENCH_ROOT/benchmarks/target/classes" ]] || return 0
  IFS=":" read -r -a entries < "$classpath_file" || true
  for entry in "${entries[@]}"; do
    if [[ -n "$entry" && ! -e "$entry" ]]; then return 0; fi
  done
  [[ -n "$(find "$BENCH_ROOT" \( -name target -o -name '.*' \) -prune -o -type f \
    \( -path '*/src/*' -o -name pom.xml \) -newer "$classpath_file" -print -quit)" ]]
}

bench_build_if_stale() {
  if [[ "${BENCH_SKIP_BUILD:-}" != 1 ]] && bench_stale; then
    echo "building benchmarks (first use, or sources changed)..." >&2
    command -v mvn > /dev/null || { echo "benchmarks: Maven (mvn) 3.8+ is needed" >&2; exit 1; }
    (cd "$BENCH_ROOT" &&
      mvn -q -o -DskipTests -Dspotless.check.skip=true -pl benchmarks -am package)
    touch "$BENCH_ROOT/benchmarks/target/classpath.txt" # build-classpath may leave it unchanged
  fi
  bench_snapshot
  BENCH_JAVA=java
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then BENCH_JAVA="$JAVA_HOME/bin/java"; fi
}

# The run's classpath from a private copy of what the checkout built (benchmarks/target/classes and
# the modules' jars or classes under target/; jars from ~/.m2 are used in place): a build of another module while a
# long run is going replaces its jar, and a JVM whose open jar is replaced fails to load classes.
bench_snapshot() {
  local snapshots="$BENCH_ROOT/benchmarks/target/snapshots" snap entry dir pid copy copies=0
  mkdir -p "$snapshots"
  for dir in "$snapshots"/*; do # those of runs that have ended
    pid="${dir##*/}"
    if [[ -d "$dir" && ! -e "/proc/$pid" ]]; then rm -rf "$dir"; fi
  done
  snap="$snapshots/$$"
  rm -rf "$snap"
  mkdir -p "$snap/jars"
  cp -r "$BENCH_ROOT/benchmarks/target/classes" "$snap/classes"
  BENCH_CP="$snap/classes"
  IFS=":" read -r -a entries < "$BENCH_ROOT/benchmarks/target/classpath.txt" || true
  for entry in "${entries[@]}"; do
    if [[ -z "$entry" ]]; then continue; fi
    if [[ "$entry" == "$BENCH_ROOT"/* ]]; then
      # a module's jar, or its target/classes after a build that stopped before package
      copy="$snap/jars/$(( ++copies ))-${entry##*/}"
      cp -r "$entry" "$copy"
      BENCH_CP="$BENCH_CP:$copy"
    else
      BENCH_CP="$BENCH_CP:$entry"
    fi
  done
}
