#!/usr/bin/env bash
# flink-cluster.sh - a real, local Apache Flink 1.19.0 standalone *session* cluster for streamy.
#
# One JobManager JVM (StandaloneSessionClusterEntrypoint, with the web UI) and N TaskManager JVMs
# (TaskManagerRunner), each its own background process on this machine, bound to localhost only.
# There is no Flink distribution tarball here: the JVMs run from the Maven-resolved jars that
# runners/flink-cluster/pom.xml copies to target/lib. This script does what flink-dist's
# bin/config.sh, jobmanager.sh, taskmanager.sh, flink-daemon.sh and bin/flink would do.
#
# Everything of one cluster lives in one directory (--dir):
#   conf/config.yaml, conf/log4j2*.properties   generated on every `start`
#   log/<jobmanager|taskmanager-k>.log, .out    Flink logs and the JVMs' stdout/stderr (kept)
#   pids/jobmanager.pid, pids/taskmanager-k.pid one per JVM (removed by `stop`)
#   rest-port                                   the REST / web UI port, just the number
#   lib-dir                                     the jar directory the cluster was started from
#   checkpoints/, savepoints/, tmp/, plugins/   state.checkpoints.dir, state.savepoints.dir, ...
#
# Run with no arguments for the usage text.
set -euo pipefail

readonly FLINK_VERSION="1.19.0"
readonly DEFAULT_TASKMANAGERS=2
readonly DEFAULT_SLOTS=2
readonly DEFAULT_REST_PORT=8081
# Process sizes, modest for a 2-core machine; overridable for bigger pipelines.
readonly JM_PROCESS_SIZE="${STREAMY_FLINK_JM_MEMORY:-1024m}"
readonly TM_PROCESS_SIZE="${STREAMY_FLINK_TM_MEMORY:-1728m}"
# How long `start` / `add-taskmanager` wait for TaskManagers to register, and `stop` for a JVM to exit.
readonly REGISTER_TIMEOUT_S=90
readonly STOP_TIMEOUT_S=15

# The JVM flags flink-dist 1.19 sets in conf/config.yaml as env.java.opts.all, "required for Java 17
# support" (Kryo, Pekko and friends reflect into the JDK). Every Flink JVM here gets them.
readonly -a JAVA17_OPTS=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

readonly JM_CLASS="org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint"
readonly TM_CLASS="org.apache.flink.runtime.taskexecutor.TaskManagerRunner"
readonly CLI_CLASS="org.apache.flink.client.cli.CliFrontend"
readonly BASH_JAVA_UTILS_CLASS="org.apache.flink.runtime.util.bash.BashJavaUtils"

usage() {
  cat <<'EOF'
usage: flink-cluster.sh <command> [--option=value ...]

A local Apache Flink 1.19.0 standalone session cluster: 1 JobManager + N TaskManager JVMs.

commands:
  start  [--dir=DIR] [--taskmanagers=N] [--slots=S] [--rest-port=P] [--lib=LIBDIR]
         start the cluster and wait until all N TaskManagers are registered
         (N default 2, S slots per TaskManager default 2, P default 8081 if free, else a free port)
  stop   [--dir=DIR]
         stop every JVM of the cluster (TERM, then KILL after 15 s); logs and checkpoints stay
  status [--dir=DIR]
         processes, web UI, registered TaskManagers, slots and jobs; exit 0 if the JobManager
         runs, 3 if not
  add-taskmanager [--dir=DIR]
         start one more TaskManager and wait until it is registered
  flink  [--dir=DIR] -- <flink CLI arguments>
         run the Flink CLI against this cluster, e.g.
           flink-cluster.sh flink -- list
           flink-cluster.sh flink -- run -d job.jar --arg=1
           flink-cluster.sh flink -- cancel <job id>

DIR     defaults to $STREAMY_FLINK_DIR, else <checkout>/.streamy/flink-cluster
LIBDIR  defaults to $STREAMY_FLINK_LIB, else runners/flink-cluster/target/lib
        (build it with: mvn -pl runners/flink-cluster -am package)
Environment: JAVA_HOME picks the Java (17); STREAMY_FLINK_JM_MEMORY / STREAMY_FLINK_TM_MEMORY
set the JobManager / TaskManager process sizes (default 1024m / 1728m).
EOF
}

die() {
  echo "flink-cluster: $*" >&2
  exit 1
}

usage_error() {
  echo "flink-cluster: $*" >&2
  echo >&2
  usage >&2
  exit 2
}

# The directory this script lives in, following symlinks (e.g. ~/bin/flink-cluster -> checkout).
script_dir() {
  local source="${BASH_SOURCE[0]}"
  while [[ -L "$source" ]]; do
    local dir
    dir="$(CDPATH='' cd -P "$(dirname "$source")" > /dev/null && pwd)"
    source="$(readlink "$source")"
    [[ "$source" != /* ]] && source="$dir/$source"
  done
  CDPATH='' cd -P "$(dirname "$source")" > /dev/null && pwd
}

SCRIPT_DIR="$(script_dir)"
CHECKOUT="$(CDPATH='' cd -P "$SCRIPT_DIR/../.." > /dev/null && pwd)"
readonly SCRIPT_DIR CHECKOUT

# ---------------------------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------------------------

OPT_DIR="${STREAMY_FLINK_DIR:-$CHECKOUT/.streamy/flink-cluster}"
OPT_LIB=""
OPT_TASKMANAGERS="$DEFAULT_TASKMANAGERS"
OPT_SLOTS="$DEFAULT_SLOTS"
OPT_REST_PORT=""
CLI_ARGS=()

# parse_options <command> <args...>: --name=value (or --name value) options valid for the command;
# for `flink`, everything after `--` (or from the first non-option) goes to the Flink CLI.
parse_options() {
  local command="$1"
  shift
  local allowed
  case "$command" in
    start) allowed=" dir taskmanagers slots rest-port lib " ;;
    add-taskmanager | flink) allowed=" dir lib " ;;
    *) allowed=" dir " ;;
  esac
  while (($# > 0)); do
    local arg="$1"
    shift
    if [[ "$arg" == "--" ]]; then
      [[ "$command" == flink ]] || usage_error "unexpected '--' for $command"
      CLI_ARGS=("$@")
      return
    fi
    if [[ "$arg" == "-h" || "$arg" == "--help" ]]; then
      usage
      exit 0
    fi
    if [[ "$arg" != --* ]]; then
      [[ "$command" == flink ]] || usage_error "unexpected argument '$arg' for $command"
      CLI_ARGS=("$arg" "$@")
      return
    fi
    local name="${arg#--}" value
    if [[ "$name" == *=* ]]; then
      value="${name#*=}"
      name="${name%%=*}"
    else
      (($# > 0)) || usage_error "option --$name needs a value"
      value="$1"
      shift
    fi
    [[ "$allowed" == *" $name "* ]] || usage_error "unknown option --$name for $command"
    case "$name" in
      dir) OPT_DIR="$value" ;;
      lib) OPT_LIB="$value" ;;
      taskmanagers) OPT_TASKMANAGERS="$value" ;;
      slots) OPT_SLOTS="$value" ;;
      rest-port) OPT_REST_PORT="$value" ;;
    esac
  done
}

# absolute <path>: the path made absolute against the current directory (it need not exist).
absolute() {
  case "$1" in
    /*) printf '%s\n' "${1%/}" ;;
    *) printf '%s\n' "$PWD/${1%/}" ;;
  esac
}

is_uint() {
  [[ "$1" =~ ^[0-9]+$ ]]
}

# Sets the paths of the cluster in DIR. Called once the options are parsed.
set_paths() {
  [[ -n "$OPT_DIR" ]] || usage_error "--dir must not be empty"
  DIR="$(absolute "$OPT_DIR")"
  CONF_DIR="$DIR/conf"
  LOG_DIR="$DIR/log"
  PID_DIR="$DIR/pids"
  PLUGINS_DIR="$DIR/plugins"
  TMP_DIR="$DIR/tmp"
  CONFIG_FILE="$CONF_DIR/config.yaml"
  JM_PID_FILE="$PID_DIR/jobmanager.pid"
  REST_PORT_FILE="$DIR/rest-port"
  LIB_DIR_FILE="$DIR/lib-dir"
}

# ---------------------------------------------------------------------------------------------
# Java, jars, locking
# ---------------------------------------------------------------------------------------------

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    printf '%s\n' "$JAVA_HOME/bin/java"
  elif command -v java > /dev/null; then
    printf '%s\n' java
  else
    die "no java found: install Java 17 or set JAVA_HOME"
  fi
}

# Sets LIB_DIR: --lib, else (for a cluster already started) the directory it was started from,
# else $STREAMY_FLINK_LIB, else target/lib next to this script. Fails if the jars are not there.
resolve_lib() {
  local use_recorded="$1"
  if [[ -n "$OPT_LIB" ]]; then
    LIB_DIR="$(absolute "$OPT_LIB")"
  elif [[ "$use_recorded" == yes && -s "$LIB_DIR_FILE" ]]; then
    LIB_DIR="$(< "$LIB_DIR_FILE")"
  else
    LIB_DIR="$(absolute "${STREAMY_FLINK_LIB:-$SCRIPT_DIR/target/lib}")"
  fi
  if ! compgen -G "$LIB_DIR/flink-runtime-*.jar" > /dev/null; then
    die "no Flink jars in $LIB_DIR: build them first with
  (cd '$CHECKOUT' && mvn -pl runners/flink-cluster -am package)
or let the launcher build them:
  '$CHECKOUT/streamy' flink-cluster start"
  fi
  # Classpath wildcard: the JVM expands it to every jar in the directory.
  CLASSPATH_WILDCARD="$LIB_DIR/*"
}

# Serialises the commands that change the cluster (start, stop, add-taskmanager) on DIR, so two
# callers cannot start two clusters in one directory. The JVMs must not inherit the lock fd
# (see launch_jvm), or the lock would be held as long as the cluster runs.
lock_dir() {
  mkdir -p "$DIR"
  command -v flock > /dev/null || return 0
  exec 9> "$DIR/.lock"
  flock -w 120 9 || die "another flink-cluster.sh is busy with $DIR (lock $DIR/.lock)"
}

# ---------------------------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------------------------

# is_cluster_process <pid>: true when <pid> runs and is a Flink JVM of *this* DIR (its command line
# names our conf dir), so a recycled pid of an unrelated process is never reported or killed.
is_cluster_process() {
  local pid="$1" args
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2> /dev/null || return 1
  args="$(ps -ww -o args= -p "$pid" 2> /dev/null)" || return 1
  [[ "$args" == *"--configDir $CONF_DIR"* ]]
}

read_pid() {
  [[ -f "$1" ]] && tr -dc '0-9' < "$1"
  return 0
}

# Sets TM_PID_FILES to the TaskManager pid files of DIR, ordered by their number k.
list_taskmanager_pid_files() {
  local file
  TM_PID_FILES=()
  for file in "$PID_DIR"/taskmanager-*.pid; do
    [[ -e "$file" ]] && TM_PID_FILES+=("$(taskmanager_number "$file") $file")
  done
  ((${#TM_PID_FILES[@]} > 0)) || return 0
  mapfile -t TM_PID_FILES < <(printf '%s\n' "${TM_PID_FILES[@]}" | sort -n | cut -d' ' -f2-)
}

# taskmanager_number <pid file>: k of taskmanager-k.pid
taskmanager_number() {
  local name="${1##*/taskmanager-}"
  printf '%s\n' "${name%.pid}"
}

jobmanager_running() {
  is_cluster_process "$(read_pid "$JM_PID_FILE")"
}

# launch_jvm <name> <main class> <java args before the class...> -- <program args...>
# Starts one Flink JVM in the background, detached from our stdin/stdout/stderr (a caller reading
# our output, e.g. a Java test through ProcessBuilder, gets EOF when this script exits) and immune
# to the terminal's hangup; writes <name>.pid and sets LAUNCHED_PID.
launch_jvm() {
  local name="$1" main_class="$2"
  shift 2
  local -a jvm_args=()
  while (($# > 0)) && [[ "$1" != "--" ]]; do
    jvm_args+=("$1")
    shift
  done
  shift # the "--"
  local java
  java="$(java_bin)"
  # Log settings as flink-daemon.sh passes them; the web UI serves log.file and its .out sibling.
  (
    cd "$DIR"
    exec nohup "$java" \
      -XX:+IgnoreUnrecognizedVMOptions "${JAVA17_OPTS[@]}" "${jvm_args[@]}" \
      "-Dlog.file=$LOG_DIR/$name.log" \
      "-Dlog4j.configurationFile=file:$CONF_DIR/log4j2.properties" \
      -classpath "$CLASSPATH_WILDCARD" "$main_class" \
      --configDir "$CONF_DIR" "$@" \
      < /dev/null > "$LOG_DIR/$name.out" 2>&1 9>&-
  ) &
  LAUNCHED_PID=$!
  printf '%s\n' "$LAUNCHED_PID" > "$PID_DIR/$name.pid"
}

# The environment flink-dist's bin/config.sh gives every Flink JVM.
export_flink_env() {
  export FLINK_HOME="$DIR"
  export FLINK_CONF_DIR="$CONF_DIR"
  export FLINK_LIB_DIR="$LIB_DIR"
  export FLINK_PLUGINS_DIR="$PLUGINS_DIR"
  export FLINK_OPT_DIR="$DIR/opt"
  export FLINK_LOG_DIR="$LOG_DIR"
  export FLINK_BIN_DIR="$SCRIPT_DIR"
}

# resource_params <GET_JM_RESOURCE_PARAMS|GET_TM_RESOURCE_PARAMS>: derives the JVM memory flags
# and the fully resolved memory settings from config.yaml, exactly as flink-dist's scripts do, into
# RESOURCE_JVM_ARGS and RESOURCE_DYNAMIC_ARGS (-D key=value pairs for the entrypoint). A
# TaskManager started without them fails with "taskmanager.cpu.cores is not set".
resource_params() {
  local command="$1" output
  local prefix="BASH_JAVA_UTILS_EXEC_RESULT:"
  if ! output="$("$(java_bin)" -classpath "$CLASSPATH_WILDCARD" "$BASH_JAVA_UTILS_CLASS" \
    "$command" --configDir "$CONF_DIR" 2>&1)"; then
    die "could not compute the Flink memory settings ($command):
$output"
  fi
  local -a results=()
  local line
  while IFS= read -r line; do
    [[ "$line" == "$prefix"* ]] && results+=("${line#"$prefix"}")
  done <<< "$output"
  ((${#results[@]} == 2)) || die "unexpected output of $BASH_JAVA_UTILS_CLASS $command:
$output"
  read -r -a RESOURCE_JVM_ARGS <<< "${results[0]}"
  read -r -a RESOURCE_DYNAMIC_ARGS <<< "${results[1]}"
}

# start_taskmanager <k>: one TaskManager JVM, registered under the resource id taskmanager-<k>.
# Needs TM_JVM_ARGS / TM_DYNAMIC_ARGS from resource_params.
start_taskmanager() {
  local k="$1"
  launch_jvm "taskmanager-$k" "$TM_CLASS" "${TM_JVM_ARGS[@]}" -- \
    -D "taskmanager.resource-id=taskmanager-$k" "${TM_DYNAMIC_ARGS[@]}"
  echo "TaskManager $k: pid $LAUNCHED_PID, log $LOG_DIR/taskmanager-$k.log"
}

compute_taskmanager_params() {
  resource_params GET_TM_RESOURCE_PARAMS
  TM_JVM_ARGS=("${RESOURCE_JVM_ARGS[@]}")
  TM_DYNAMIC_ARGS=("${RESOURCE_DYNAMIC_ARGS[@]}")
}

# stop_pids <pid...>: TERM, wait up to STOP_TIMEOUT_S, then KILL whatever still runs.
stop_pids() {
  local pid
  for pid in "$@"; do
    kill -TERM "$pid" 2> /dev/null || true
  done
  local deadline=$((SECONDS + STOP_TIMEOUT_S)) alive
  while :; do
    alive=()
    for pid in "$@"; do
      is_cluster_process "$pid" && alive+=("$pid")
    done
    ((${#alive[@]} == 0)) && return 0
    ((SECONDS >= deadline)) && break
    sleep 0.25
  done
  echo "still running after ${STOP_TIMEOUT_S}s, killing: ${alive[*]}" >&2
  for pid in "${alive[@]}"; do
    kill -KILL "$pid" 2> /dev/null || true
  done
  deadline=$((SECONDS + 5))
  for pid in "${alive[@]}"; do
    while is_cluster_process "$pid" && ((SECONDS < deadline)); do
      sleep 0.1
    done
  done
}

# log_tail <name>: the end of a JVM's log and stdout/stderr, for error messages.
log_tail() {
  local name="$1" file
  for file in "$LOG_DIR/$name.log" "$LOG_DIR/$name.out"; do
    [[ -s "$file" ]] || continue
    echo "---- last lines of $file ----"
    tail -n 30 "$file"
  done
}

# ---------------------------------------------------------------------------------------------
# REST API (Flink answers with compact one-line JSON; the fields read here are simple enough
# for sed, so nothing beyond curl is needed)
# ---------------------------------------------------------------------------------------------

rest_port() {
  [[ -f "$REST_PORT_FILE" ]] && tr -dc '0-9' < "$REST_PORT_FILE"
  return 0
}

web_url() {
  printf 'http://localhost:%s\n' "$(rest_port)"
}

# rest_get <path>: the JSON answer of the JobManager's REST API, or failure.
rest_get() {
  curl -sf --max-time 5 "$(web_url)$1"
}

# json_number <json> <key>: the first numeric value of "key" in a flat JSON object.
json_number() {
  sed -n -E "s/.*\"$2\":(-?[0-9]+).*/\\1/p" <<< "$1" | head -n 1
}

# The resource ids of the TaskManagers registered at the JobManager, one per line.
registered_taskmanagers() {
  local json
  json="$(rest_get /taskmanagers)" || return 1
  grep -o '"id":"[^"]*"' <<< "$json" | sed 's/^"id":"//; s/"$//'
  return 0
}

# wait_for_taskmanagers <timeout s> <expected ids (space separated)> <name=pid...>: polls the REST
# API until every expected TaskManager id is registered; fails with the log tail as soon as one of
# the watched JVMs dies.
wait_for_taskmanagers() {
  local timeout="$1" expected="$2"
  shift 2
  local deadline=$((SECONDS + timeout)) registered id missing watched
  while :; do
    for watched in "$@"; do
      if ! is_cluster_process "${watched#*=}"; then
        log_tail "${watched%%=*}" >&2
        echo "flink-cluster: ${watched%%=*} (pid ${watched#*=}) died during startup; see $LOG_DIR" >&2
        return 1
      fi
    done
    if registered="$(registered_taskmanagers)"; then
      missing=""
      for id in $expected; do
        grep -qx -- "$id" <<< "$registered" || missing="$missing $id"
      done
      [[ -z "$missing" ]] && return 0
    fi
    if ((SECONDS >= deadline)); then
      echo "flink-cluster: not registered after ${timeout}s:${missing:- (REST API not answering)}" >&2
      log_tail jobmanager >&2
      return 1
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------------------------
# Ports (never assume one is free; everything binds to localhost)
# ---------------------------------------------------------------------------------------------

# port_in_use <port>: something accepts connections on localhost:<port>. bash's /dev/tcp needs no
# extra tool; a refused connection on loopback returns at once.
port_in_use() {
  (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null
}

# free_port <ports to avoid...>: a port no one listens on, below the kernel's ephemeral range
# (32768+) so an outgoing connection cannot grab it between our check and Flink's bind.
free_port() {
  local _ port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 12000))
    [[ " $* " == *" $port "* ]] && continue
    port_in_use "$port" || {
      printf '%s\n' "$port"
      return 0
    }
  done
  die "found no free port on localhost"
}

# ---------------------------------------------------------------------------------------------
# config.yaml
# ---------------------------------------------------------------------------------------------

# yaml_string <value>: a single-quoted YAML scalar.
yaml_string() {
  printf "'%s'" "${1//\'/\'\'}"
}

write_config() {
  local rest_port="$1" rpc_port="$2" slots="$3"
  cat > "$CONFIG_FILE" <<EOF
# Generated by flink-cluster.sh on every \`start\`; edits here are lost at the next start.
# Flink ${FLINK_VERSION} standalone session cluster in $DIR, bound to localhost only.

# JobManager: RPC on a free port (TaskManagers and the CLI read it from here).
jobmanager.rpc.address: localhost
jobmanager.rpc.port: ${rpc_port}
jobmanager.bind-host: localhost
jobmanager.memory.process.size: ${JM_PROCESS_SIZE}
jobmanager.execution.failover-strategy: region
# Blob server: any free port (TaskManagers learn it over RPC).
blob.server.port: '0'

# TaskManagers: RPC and data ports any free ones.
taskmanager.host: localhost
taskmanager.bind-host: localhost
taskmanager.rpc.port: '0'
taskmanager.data.port: 0
taskmanager.numberOfTaskSlots: ${slots}
taskmanager.memory.process.size: ${TM_PROCESS_SIZE}
parallelism.default: 1

# REST API and web UI (flink-runtime-web is on the classpath).
rest.address: localhost
rest.bind-address: localhost
rest.port: ${rest_port}
web.submit.enable: true
web.cancel.enable: true
web.tmpdir: $(yaml_string "$TMP_DIR")
io.tmp.dirs: $(yaml_string "$TMP_DIR")

# Fault tolerance: checkpoints and savepoints in this directory, kept when a job is cancelled.
state.checkpoints.dir: $(yaml_string "file://$DIR/checkpoints")
state.savepoints.dir: $(yaml_string "file://$DIR/savepoints")
execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION
# Restart after a failure, for as long as failures stay rare: a job that fails more than 10
# times in 5 minutes is crash-looping and is failed for good (fixed-delay would count failures
# over the job's whole life, so a long-running job would eventually run out of attempts).
restart-strategy.type: failure-rate
restart-strategy.failure-rate.max-failures-per-interval: 10
restart-strategy.failure-rate.failure-rate-interval: 5 min
restart-strategy.failure-rate.delay: 2 s

# A TaskManager that died (even kill -9) is noticed within ~15 s (default 50 s); usually sooner,
# when RPCs to it fail (heartbeat.rpc-failure-threshold, default 2).
heartbeat.interval: 2000
heartbeat.timeout: 15000
# TaskManagers start alongside the JobManager; retry reaching it every 1 s, not 10 s (default).
cluster.registration.error-delay: 1000

# classloader.resolve-order stays at Flink's default, child-first.

# The Java 17 flags of flink-dist's config.yaml. Only scripts read this key: flink-cluster.sh
# passes the same flags to every JVM it starts.
env.java.opts.all: ${JAVA17_OPTS[*]}
EOF
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

cmd_start() {
  is_uint "$OPT_TASKMANAGERS" || usage_error "--taskmanagers must be a number, got '$OPT_TASKMANAGERS'"
  if ! is_uint "$OPT_SLOTS" || ((OPT_SLOTS == 0)); then
    usage_error "--slots must be a positive number, got '$OPT_SLOTS'"
  fi
  if [[ -n "$OPT_REST_PORT" ]] && { ! is_uint "$OPT_REST_PORT" || ((OPT_REST_PORT == 0 || OPT_REST_PORT > 65535)); }; then
    usage_error "--rest-port must be a port number, got '$OPT_REST_PORT'"
  fi
  command -v curl > /dev/null || die "curl is needed (to wait for the cluster through its REST API)"
  resolve_lib no
  java_bin > /dev/null
  local started_at="${EPOCHREALTIME:-$SECONDS}"

  lock_dir
  if jobmanager_running; then
    die "a Flink cluster is already running in $DIR: web UI $(web_url) (stop it with: $0 stop --dir=$DIR)"
  fi
  local file
  list_taskmanager_pid_files
  for file in ${TM_PID_FILES[@]+"${TM_PID_FILES[@]}"}; do
    if is_cluster_process "$(read_pid "$file")"; then
      die "TaskManager $(taskmanager_number "$file") of a previous cluster still runs in $DIR; run: $0 stop --dir=$DIR"
    fi
  done

  mkdir -p "$CONF_DIR" "$LOG_DIR" "$PID_DIR" "$PLUGINS_DIR" "$TMP_DIR" "$DIR/opt" \
    "$DIR/checkpoints" "$DIR/savepoints"
  rm -f "$PID_DIR"/*.pid "$REST_PORT_FILE"

  # Ports: the REST port the caller asked for (must be free), else 8081 if free, else any free one.
  local rest_port rpc_port
  if [[ -n "$OPT_REST_PORT" ]]; then
    port_in_use "$OPT_REST_PORT" && die "--rest-port=$OPT_REST_PORT is in use on localhost"
    rest_port="$OPT_REST_PORT"
  elif ! port_in_use "$DEFAULT_REST_PORT"; then
    rest_port="$DEFAULT_REST_PORT"
  else
    rest_port="$(free_port)"
  fi
  rpc_port="$(free_port "$rest_port")"

  write_config "$rest_port" "$rpc_port" "$OPT_SLOTS"
  cp "$SCRIPT_DIR/conf/log4j2.properties" "$SCRIPT_DIR/conf/log4j2-cli.properties" "$CONF_DIR/"
  printf '%s\n' "$LIB_DIR" > "$LIB_DIR_FILE"
  export_flink_env

  echo "starting Flink $FLINK_VERSION session cluster in $DIR (REST port $rest_port, RPC port $rpc_port)"
  resource_params GET_JM_RESOURCE_PARAMS
  local -a jm_jvm_args=("${RESOURCE_JVM_ARGS[@]}") jm_dynamic_args=("${RESOURCE_DYNAMIC_ARGS[@]}")
  compute_taskmanager_params

  launch_jvm jobmanager "$JM_CLASS" "${jm_jvm_args[@]}" -- "${jm_dynamic_args[@]}"
  local -a watched=("jobmanager=$LAUNCHED_PID")
  printf '%s\n' "$rest_port" > "$REST_PORT_FILE"
  echo "JobManager:    pid $LAUNCHED_PID, log $LOG_DIR/jobmanager.log"

  local k expected=""
  for ((k = 1; k <= OPT_TASKMANAGERS; k++)); do
    start_taskmanager "$k"
    watched+=("taskmanager-$k=$LAUNCHED_PID")
    expected="$expected taskmanager-$k"
  done

  echo "waiting for the JobManager and $OPT_TASKMANAGERS TaskManager(s) to register (up to ${REGISTER_TIMEOUT_S}s)..."
  if ! wait_for_taskmanagers "$REGISTER_TIMEOUT_S" "$expected" "${watched[@]}"; then
    echo "flink-cluster: start failed; stopping what was started (logs stay in $LOG_DIR)" >&2
    stop_all quiet
    exit 1
  fi

  local elapsed
  elapsed="$(elapsed_since "$started_at")"
  echo "Flink $FLINK_VERSION cluster up: 1 JobManager, $(plural "$OPT_TASKMANAGERS" TaskManager)," \
    "$(plural $((OPT_TASKMANAGERS * OPT_SLOTS)) slot) (${elapsed}s)"
  echo "web UI: $(web_url)"
}

# plural <n> <word>: "1 slot", "4 slots"
plural() {
  if (($1 == 1)); then echo "$1 $2"; else echo "$1 $2s"; fi
}

# elapsed_since <start>: seconds since <start> (from EPOCHREALTIME, or SECONDS on old bash).
elapsed_since() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    local now="$EPOCHREALTIME"
    awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1f", b - a }'
  else
    echo $((SECONDS - $1))
  fi
}

# stop_all [quiet]: stops every JVM of DIR and removes the pid files and rest-port.
stop_all() {
  local quiet="${1:-}" file pid
  local -a pids=() names=()
  list_taskmanager_pid_files
  for file in "$JM_PID_FILE" ${TM_PID_FILES[@]+"${TM_PID_FILES[@]}"}; do
    [[ -f "$file" ]] || continue
    pid="$(read_pid "$file")"
    if is_cluster_process "$pid"; then
      pids+=("$pid")
      names+=("$(basename "$file" .pid)")
    fi
  done
  if ((${#pids[@]} > 0)); then
    [[ -n "$quiet" ]] || echo "stopping ${names[*]} (pids ${pids[*]})..."
    stop_pids "${pids[@]}"
  fi
  rm -f "$PID_DIR"/*.pid "$REST_PORT_FILE"
  STOPPED_COUNT=${#pids[@]}
}

cmd_stop() {
  if [[ ! -d "$DIR" ]]; then
    echo "no Flink cluster in $DIR"
    return 0
  fi
  lock_dir
  stop_all
  if ((STOPPED_COUNT == 0)); then
    echo "no Flink cluster running in $DIR"
  else
    echo "Flink cluster in $DIR stopped ($(plural "$STOPPED_COUNT" JVM)); logs in $LOG_DIR"
  fi
}

cmd_status() {
  local jm_pid file k pid
  jm_pid="$(read_pid "$JM_PID_FILE")"
  echo "Flink $FLINK_VERSION cluster in $DIR"
  if [[ -z "$jm_pid" ]]; then
    echo "  JobManager:     not running"
  elif is_cluster_process "$jm_pid"; then
    echo "  JobManager:     pid $jm_pid alive"
  else
    echo "  JobManager:     pid $jm_pid dead"
  fi
  list_taskmanager_pid_files
  for file in ${TM_PID_FILES[@]+"${TM_PID_FILES[@]}"}; do
    k="$(taskmanager_number "$file")"
    pid="$(read_pid "$file")"
    if is_cluster_process "$pid"; then
      printf '  TaskManager %-3s pid %s alive\n' "$k:" "$pid"
    else
      printf '  TaskManager %-3s pid %s dead\n' "$k:" "$pid"
    fi
  done
  if ! is_cluster_process "$jm_pid"; then
    echo "not running"
    return 3
  fi

  echo "  web UI:         $(web_url)"
  local overview
  if ! overview="$(rest_get /overview)"; then
    echo "  REST API:       not answering (yet); see $LOG_DIR/jobmanager.log"
    return 0
  fi
  local registered
  registered="$(registered_taskmanagers | sort -V | paste -sd' ' -)" || registered="?"
  echo "  TaskManagers:   $(json_number "$overview" taskmanagers) registered (${registered:-none})"
  echo "  slots:          $(json_number "$overview" slots-available) free of $(json_number "$overview" slots-total)"

  local jobs records record jid name state running=0 total=0 lines=""
  jobs="$(rest_get /jobs/overview)" || jobs=""
  # One record per line, starting at each {"jid": ...
  records="$(printf '%s\n' "${jobs//\{\"jid\"/$'\n'\{\"jid\"}" | grep '^{"jid"' || true)"
  while IFS= read -r record; do
    [[ -n "$record" ]] || continue
    jid="$(sed -n -E 's/^\{"jid":"([^"]*)".*/\1/p' <<< "$record")"
    name="$(sed -n -E 's/.*"name":"(([^"\\]|\\.)*)".*/\1/p' <<< "$record" | sed 's/\\"/"/g; s/\\\\/\\/g')"
    state="$(sed -n -E 's/.*"state":"([A-Z_]+)".*/\1/p' <<< "$record")"
    total=$((total + 1))
    case "$state" in
      FINISHED | CANCELED | FAILED) ;;
      *) running=$((running + 1)) ;;
    esac
    lines="$lines$(printf '    %s  %-11s %s' "$jid" "$state" "$name")"$'\n'
  done <<< "$records"
  echo "  jobs:           $running running, $total total"
  [[ -z "$lines" ]] || printf '%s' "$lines"
  return 0
}

cmd_add_taskmanager() {
  lock_dir
  jobmanager_running || die "no Flink cluster running in $DIR (start one with: $0 start --dir=$DIR)"
  resolve_lib yes
  export_flink_env

  # k: one above the highest k of this cluster start, so a number is never reused.
  local file k=0 n
  list_taskmanager_pid_files
  for file in ${TM_PID_FILES[@]+"${TM_PID_FILES[@]}"}; do
    n="$(taskmanager_number "$file")"
    ((n > k)) && k="$n"
  done
  k=$((k + 1))

  local before
  before="$(registered_taskmanagers | grep -c . || true)"
  compute_taskmanager_params
  start_taskmanager "$k"
  if ! wait_for_taskmanagers "$REGISTER_TIMEOUT_S" "taskmanager-$k" "taskmanager-$k=$LAUNCHED_PID" \
    "jobmanager=$(read_pid "$JM_PID_FILE")"; then
    die "TaskManager $k did not register; see $LOG_DIR/taskmanager-$k.log"
  fi
  local overview
  overview="$(rest_get /overview || true)"
  echo "TaskManager $k registered: $(json_number "$overview" taskmanagers) TaskManagers (was ${before:-0}), $(json_number "$overview" slots-total) slots"
}

cmd_flink() {
  [[ -f "$CONFIG_FILE" ]] || die "no cluster configuration in $CONF_DIR; start a cluster first: $0 start --dir=$DIR"
  resolve_lib yes
  export_flink_env
  mkdir -p "$LOG_DIR" "$PLUGINS_DIR"
  # As flink-dist's bin/flink: the CLI JVM with the cluster's config; it logs to client.log and
  # prints its results on stdout. exec passes its exit code through.
  exec "$(java_bin)" -XX:+IgnoreUnrecognizedVMOptions "${JAVA17_OPTS[@]}" \
    "-Dlog.file=$LOG_DIR/client.log" \
    "-Dlog4j.configurationFile=file:$CONF_DIR/log4j2-cli.properties" \
    -classpath "$CLASSPATH_WILDCARD" "$CLI_CLASS" ${CLI_ARGS[@]+"${CLI_ARGS[@]}"}
}

main() {
  (($# > 0)) || usage_error "no command given"
  local command="$1"
  shift
  case "$command" in
    start | stop | status | add-taskmanager | flink) ;;
    -h | --help | help)
      usage
      exit 0
      ;;
    *) usage_error "unknown command '$command'" ;;
  esac
  parse_options "$command" "$@"
  set_paths
  case "$command" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    add-taskmanager) cmd_add_taskmanager ;;
    flink) cmd_flink ;;
  esac
}

main "$@"
