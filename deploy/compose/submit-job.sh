#!/usr/bin/env bash
# The `submit` service of docker-compose.yml: submits the inference job and, beside it, the
# evaluation job (labels join, drift windows) to the session cluster in detached mode, each
# unless a job of that name is already running (so `up` can be repeated; a stopped job is
# resumed from its last retained checkpoint with `flink run -s`).
set -euo pipefail
rest="http://jobmanager:8081"
jar=/opt/flink/usrlib/inferflow-job.jar

running() {
  curl -fsS "$rest/jobs/overview" \
    | grep -Eq "\"name\":\"$1\"[^}]*\"state\":\"(CREATED|INITIALIZING|RUNNING|RESTARTING|RECONCILING)\""
}

submit() {
  local name=$1
  shift
  if running "$name"; then
    echo "a job named $name is already running at $rest; not submitting another"
  else
    flink run --detached "$jar" --config /opt/inferflow/job.yaml "$@"
  fi
}

submit inferflow
submit inferflow-evaluation --evaluation
