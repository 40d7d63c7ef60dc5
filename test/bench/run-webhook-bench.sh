#!/usr/bin/env bash
# `make bench`: needs wrk (Debian package) and the running MariaDB / Redis / RabbitMQ.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package) for the load generator"
  (apt-get install -y wrk >/dev/null 2>&1) || (apt-get update >/dev/null && apt-get install -y wrk >/dev/null)
fi
node test/dist/bench/webhook-bench.js
