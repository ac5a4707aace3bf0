#!/usr/bin/env bash
# The `submit` service of docker-compose.yml: submits the job to the session cluster in
# detached mode, unless a job named inferflow is already running (so `up` can be repeated;
# a stopped job is resumed from its last retained checkpoint with `flink run -s`).
set -euo pipefail
rest="http://jobmanager:8081"
jobs="$(curl -fsS "$rest/jobs/overview")"
if grep -Eq '"name":"inferflow"[^}]*"state":"(CREATED|INITIALIZING|RUNNING|RESTARTING|RECONCILING)"' <<< "$jobs"; then
  echo "a job named inferflow is already running at $rest; not submitting another"
  exit 0
fi
exec flink run --detached /opt/flink/usrlib/inferflow-job.jar --config /opt/inferflow/job.yaml
