#!/usr/bin/env bash
# The `topics` service of docker-compose.yml: creates inferflow's topics (idempotent) and waits
# until every partition has a leader (a producer racing a fresh topic can fail, KAFKA-15591).
set -euo pipefail
bootstrap="${BOOTSTRAP:-kafka:19092}"
partitions="${PARTITIONS:-4}"
topics=/opt/kafka/bin/kafka-topics.sh

create() {
  local name=$1 count=$2
  shift 2
  "$topics" --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "$name" --partitions "$count" --replication-factor 1 "$@"
}

# Data topics: partitions bound the useful parallelism of the source (see docs/operations/kubernetes.md).
create features "$partitions"
create predictions "$partitions"
# Predictions of shadow candidates (pipeline model push --shadow), never mixed with predictions.
create predictions-shadow "$partitions"
create dead-letters "$partitions"
# Control plane: one partition, so every subtask reads the deployments in order; compacted, so
# the topic keeps each model's latest records (the job keeps the highest generation).
create model-control 1 --config cleanup.policy=compact
create model-status 1
# The rollout judge's reports on canary and shadow candidates (pipeline model status shows them).
create model-rollouts 1
create drift 1
# The inference job's drift bin counts for the evaluation job (keyed by model version).
create drift-counts 1
# True outcomes, joined with predictions by the evaluation job when labels.enabled.
create labels "$partitions"

for attempt in $(seq 1 30); do
  described="$("$topics" --bootstrap-server "$bootstrap" --describe \
    --topic 'features|predictions|predictions-shadow|dead-letters|model-control|model-status|model-rollouts|drift|drift-counts|labels')"
  if ! grep -q 'Leader: none' <<< "$described" && [[ $(grep -c 'Partition: ' <<< "$described") -ge $((5 * partitions + 5)) ]]; then
    echo "topics ready:"
    "$topics" --bootstrap-server "$bootstrap" --list
    exit 0
  fi
  sleep 1
done
echo "partitions without leader after 30 s:" >&2
echo "$described" >&2
exit 1
