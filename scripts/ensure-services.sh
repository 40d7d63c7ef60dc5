#!/usr/bin/env bash
# Starts MariaDB, Redis and RabbitMQ when they are not running and waits until each answers.
# Used by `make test`, `make bench` and .ci/run; safe to run any number of times.
set -euo pipefail

wait_for() { # name, seconds, command...
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then echo "ensure-services: $name did not answer within ${seconds}s" >&2; return 1; fi
    sleep 1
  done
  echo "ensure-services: $name is up"
}

if ! mariadb -uroot -h127.0.0.1 -e 'select 1' >/dev/null 2>&1; then
  echo "ensure-services: starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
wait_for MariaDB 60 mariadb -uroot -h127.0.0.1 -e 'select 1'

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "ensure-services: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi
wait_for Redis 30 redis-cli -h 127.0.0.1 -p 6379 ping

if ! rabbitmqctl -q status >/dev/null 2>&1; then
  echo "ensure-services: starting RabbitMQ"
  rabbitmq-server -detached || true
fi
wait_for RabbitMQ 120 rabbitmqctl -q await_startup
