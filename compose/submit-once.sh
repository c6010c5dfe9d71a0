#!/usr/bin/env bash
# Runs the given `flink run ...` command unless a job of the same name (--jobName=...) is already
# running on the cluster given with -m. Used by the job-submitter service of docker-compose.yml, so
# that a second `docker compose up` does not start a second ingest job on the same topic.
#
#   bash submit-once.sh flink run -d -m jobmanager:8081 ... job.jar --jobName=streamy-ingest ...
set -euo pipefail

master=""
job_name=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    -m | --jobmanager) master="${args[i + 1]:-}" ;;
    --jobName=*) job_name="${args[i]#--jobName=}" ;;
  esac
done
if [[ -z "$master" || -z "$job_name" ]]; then
  echo "submit-once: the command needs -m <host:port> and --jobName=<name>" >&2
  exit 2
fi

# `flink list --running` prints "<date> : <job id> : <job name> (RUNNING)" per running job.
if flink list --running -m "$master" 2> /dev/null | grep -qF ": ${job_name} (RUNNING)"; then
  echo "submit-once: job '${job_name}' is already running on ${master}; nothing submitted."
  exit 0
fi
echo "submit-once: submitting job '${job_name}' to ${master}"
exec "$@"
