#!/usr/bin/env bash
# Entrypoint of inferflow's Flink containers (official flink image and Dockerfile.flink-cuda).
# The image's /docker-entrypoint.sh rewrites $FLINK_HOME/conf/config.yaml in place (it applies
# JOB_MANAGER_RPC_ADDRESS and FLINK_PROPERTIES), so the repo's flink-conf/ is mounted read-only
# at /opt/inferflow/conf and copied first; INFERFLOW_EXTRA_CONF names files appended to it
# (flink-conf/config-gpu.yaml on GPU TaskManagers: flat keys that cannot clash).
set -euo pipefail
conf="$FLINK_HOME/conf/config.yaml"
cp /opt/inferflow/conf/config.yaml "$conf"
for extra in ${INFERFLOW_EXTRA_CONF:-}; do
  printf '\n# ---- %s\n' "$extra" >> "$conf"
  cat "$extra" >> "$conf"
done
exec /docker-entrypoint.sh "$@"
