#!/bin/sh
# Installs what interop/node/read-predictions.mjs needs: Node.js and npm (Debian's packages when
# missing) and the pinned kafkajs + @kafkajs/confluent-schema-registry from npm
# (interop/node/package-lock.json, `npm ci`). Safe to run again.
set -eu
cd "$(dirname "$0")/node"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
fi
if [ -d node_modules/kafkajs ] && [ -d node_modules/@kafkajs/confluent-schema-registry ] \
        && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    echo "interop/node: kafkajs and @kafkajs/confluent-schema-registry are already installed"
    exit 0
fi
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
echo "interop/node: installed $(node --version) kafkajs@$(node -p "require('./node_modules/kafkajs/package.json').version")"
