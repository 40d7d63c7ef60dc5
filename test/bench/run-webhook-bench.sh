#!/usr/bin/env bash
# `make bench`: needs wrk (Debian package) and the running MariaDB / Redis / RabbitMQ.
# BENCH_BASELINE_REF (default 835fb4a, main before the message-path, seams and operator
# issues) is built in a temporary directory and its ingress measured in the same run, so the
# "before" and "after" figures come from one session; BENCH_BASELINE_REF=none skips it, and
# BENCH_BASELINE_DIR names a baseline built before (kept between A/B runs). BENCH_TARGETS picks
# targets (see webhook-bench.ts), e.g. BENCH_TARGETS=ingress,baseline; BENCH_PORT_BASE moves its five ports.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package) for the load generator"
  (apt-get install -y wrk >/dev/null 2>&1) || (apt-get update >/dev/null && apt-get install -y wrk >/dev/null)
fi
ref="${BENCH_BASELINE_REF:-835fb4a}"
if [ -n "${BENCH_BASELINE_DIR:-}" ]; then
  echo "baseline already built in ${BENCH_BASELINE_DIR} (${ref})"
  export BENCH_BASELINE_REF="$ref"
elif [ "$ref" != "none" ]; then
  baseline="$(mktemp -d /tmp/mpstack-baseline-XXXXXX)"
  trap 'rm -rf "$baseline"' EXIT
  echo "building the baseline ${ref} in ${baseline}"
  git archive "$ref" | tar -x -C "$baseline"
  # Same dependency set but for lint tooling: copy (workspace links are relative, so they point into the copy).
  cp -a node_modules "$baseline/node_modules"
  (cd "$baseline" && npx tsc -b >/dev/null)
  export BENCH_BASELINE_DIR="$baseline" BENCH_BASELINE_REF="$ref"
fi
node test/dist/bench/webhook-bench.js
