#!/usr/bin/env bash
# The `setup` service of docker-compose.yml (runs once, as root): gives the shared volumes to
# the flink user (uid 9999, as in the official image and Dockerfile.flink-cuda) and creates the
# stack's model-signing key pair unless the signing-keys volume already holds one. The job
# trusts /keys/compose.pub (deploy/compose/job.yaml); `cli model push` signs with
# /keys/compose.key. To use your own key, put NAME.key/NAME.pub into the volume instead.
set -euo pipefail
mkdir -p /flink-data/checkpoints /flink-data/savepoints /models /keys
if [[ ! -f /keys/compose.pub ]]; then
  java -jar /opt/inferflow/pipeline.jar keys generate --dir /keys --name compose
fi
chown -R 9999:9999 /flink-data /models /keys
chmod 700 /keys
