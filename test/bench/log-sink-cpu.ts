/**
 * CPU per event of the LogSink (record + its share of the batch publish, the garbage
 * collector's work included), in-process, with a broker stand-in that takes every batch — a
 * micro-benchmark to compare two versions of the sink on a busy machine, where whole-server
 * figures drift too much. The event is the ingress's message event for the benchmark's
 * keyword message (non-ASCII text).
 *
 *   node test/dist/bench/log-sink-cpu.js
 *
 * Prints the minimum and the median of 15 rounds of 50,000 events (µs of process CPU per event).
 */
import type { MessageLogEvent } from '@mpstack/common/contracts';
import { createLogger } from '@mpstack/common/logging';
import type { QueuePort } from '@mpstack/common/ports';
import { LogSink } from '@mpstack/common/runtime';
import { benchKeyword } from './bench-account.js';

const queue = {
  isConnected: () => true,
  publish: async () => undefined,
  declare: async () => undefined,
} as unknown as QueuePort;
const sink = new LogSink({ queue, logger: createLogger({ level: 'silent', service: 'bench' }) });

function eventOf(n: number): MessageLogEvent {
  return {
    type: 'message',
    id: sink.nextId(),
    at: Date.now(),
    account: 'bench',
    openId: `o_bench_user_${n % 5000}`,
    msgType: 'text',
    event: undefined,
    eventKey: undefined,
    msgId: `71200000${n}`,
    content: benchKeyword,
    outcome: 'replied',
    decidedBy: 'rule:1',
    latencyMs: 2,
  };
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

const perEvent: number[] = [];
const events = 50_000;
for (let round = 0; round < 15; round++) {
  const before = cpuMicros();
  for (let n = 0; n < events; n++) sink.record(eventOf(n));
  await sink.flush();
  perEvent.push((cpuMicros() - before) / events);
}
perEvent.sort((a, b) => a - b);
console.log(
  `LogSink record + publish: min ${(perEvent[0] ?? 0).toFixed(2)} µs, median ${(perEvent[7] ?? 0).toFixed(2)} µs CPU per event`,
);
