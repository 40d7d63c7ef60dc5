# mpstack — the two commands in the README are `make dev` and `make test`.
SHELL := /bin/bash
NPM_STAMP := node_modules/.package-lock.json

.PHONY: dev test build lint bench bench-webhook bench-scaling bench-failover bench-log bench-log-files bench-wechat-client bench-log-search bench-outbound deps services clean

# `npm ci`: installs exactly the committed lock and never rewrites it (it stops when package.json
# and the lock disagree). After changing a dependency: `npm install --package-lock-only`.
$(NPM_STAMP): package.json package-lock.json services/*/package.json operator/package.json
	npm ci --no-audit --no-fund
	@touch $(NPM_STAMP)

deps: $(NPM_STAMP)

build: deps
	npx tsc -b
	npm run build --workspace services/admin/web

lint: deps
	npx biome check .

services:
	bash scripts/ensure-services.sh
	bash scripts/ensure-browser.sh

## Runs the whole platform on this machine: embedded SQLite / in-process cache and queue, simulators, URLs printed.
dev: build
	node services/cli/bin/mpstack.js dev

## Runs every test (unit, contract, integration against the real MariaDB/Redis/RabbitMQ, end-to-end).
test: build lint services
	npx mocha

## The console's screenshots in docs/images/ (shown in the README): mpstack dev + headless Chromium, 1440×900, zh-CN.
.PHONY: screenshots
screenshots: build services
	node test/dist/browser/screenshots.js

## Benchmarks are not part of the test run.
## All benchmarks: webhook, festival scaling simulation, MySQL failover, log ingestion, files and search, WeChat client, outbound pipeline.
bench: bench-webhook bench-scaling bench-failover bench-log bench-log-files bench-wechat-client bench-log-search bench-outbound

## The webhook: ingress vs the `wechat` npm middleware and two ceilings.
bench-webhook: build services
	bash test/bench/run-webhook-bench.sh

clean:
	npx tsc -b --clean

## Festival scaling through the wired operator (runOperator on a virtual clock, pods serving /metrics, the API-server double): a 400 000-message push reactive and pre-scaled, and a steady load below target; writes test/bench/scaling/festival.png.
bench-scaling: build
	node test/dist/bench/scaling/festival.js

## Log ingestion into MariaDB (the log service against plain batched INSERTs, same run).
bench-log: build
	node test/dist/bench/log-ingest.js

## CPU per event of the log service's JSON-lines files, against one JSON.stringify per event (same run).
bench-log-files: build
	node test/dist/bench/log-file-sink.js

## The WeChat API client's CPU per template send against a bare undici POST (same run, the simulator in its own process).
bench-wechat-client: build
	node test/dist/bench/wechat-client.js

## Log search over 10 million message rows through the query API (p50/p95 against ≤ 1 s, dashboard ≤ 100 ms);
## BENCH_LOG_SEARCH_KEEP=1 keeps the loaded database for the next run.
bench-log-search: build
	node test/dist/bench/log-search.js

## Failover run on two real MariaDB processes: kill -9 of the writer under load, time to a writable new writer, lost writes.
bench-failover: build services
	node test/dist/bench/failover/failover.js

## The outbound pipeline against the simulator (real MariaDB/Redis/RabbitMQ, mpstack run business): throughput with the rate limit off (sends/s, CPU per send vs the ceiling), the rate limit's accuracy over 60 s, a push whose worker is SIGKILLed halfway (lost / duplicated at the simulator), customer-service sends (windows fed by inbound texts) against a bare undici POST loop to the simulator. OUTBOUND_SENDS / OUTBOUND_REPLICAS (business processes sharing the push, as a Deployment's replicas) / OUTBOUND_RATE / OUTBOUND_PUSH / OUTBOUND_KEFU size them.
OUTBOUND_SENDS ?= 100000
OUTBOUND_REPLICAS ?= 2
OUTBOUND_RATE ?= 50
OUTBOUND_PUSH ?= 1000000
OUTBOUND_KEFU ?= 5000
bench-outbound: build services
	BENCH_BUSINESS_REPLICAS=$(OUTBOUND_REPLICAS) node test/dist/bench/outbound/push-throughput.js $(OUTBOUND_SENDS)
	node test/dist/bench/outbound/kefu-throughput.js $(OUTBOUND_KEFU)
	node test/dist/bench/outbound/rate-limit.js $(OUTBOUND_RATE) 60
	node --max-old-space-size=8192 test/dist/bench/outbound/push-kill.js $(OUTBOUND_PUSH)
