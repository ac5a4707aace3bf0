#!/bin/sh
# Installs what interop/read-predictions.py needs: Debian's confluent-kafka and avro for the
# system Python (/usr/bin/python3). Safe to run again.
set -eu
if /usr/bin/python3 -c 'import confluent_kafka, avro.io' 2>/dev/null; then
    echo "python3-confluent-kafka and python3-avro are already installed"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-confluent-kafka python3-avro
