#!/bin/sh
# Installs a real Prometheus server (Debian's package, /usr/bin/prometheus) for
# jobs' PrometheusScrapeITCase, which starts it on loopback against local mode. Safe to run
# again. The Debian package's own service is not needed; the test starts its own server.
set -eu
if [ -x /usr/bin/prometheus ]; then
    echo "prometheus is already installed: $(/usr/bin/prometheus --version 2>&1 | head -n 1)"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus
