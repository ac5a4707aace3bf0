#!/bin/sh
# Installs docker-compose (Debian's package, 1.29.x) for CI's `docker-compose config` check of
# docker-compose.yml. No Docker engine is needed for that check. Safe to run again.
set -eu
if command -v docker-compose >/dev/null 2>&1; then
    echo "docker-compose is already installed: $(docker-compose version --short 2>/dev/null || docker-compose --version)"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-compose
