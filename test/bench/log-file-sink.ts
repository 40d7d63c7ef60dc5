/**
 * CPU per event of the log service's JSON-lines files (`FileSink.append` after each database
 * commit, then the append of a flush), against the floor measured in the same run: one
 * `JSON.stringify` of each event and nothing else. In-process, no database: it answers "what
 * do the files add to each event the consumer writes?".
 *
 *   make bench-log-files   (node test/dist/bench/log-file-sink.js)
 *
 * Prints the median of five rounds of 100,000 events (µs of process CPU per event) and the ratio.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageLogEvent } from '@mpstack/common/contracts';
import { createLogger } from '@mpstack/common/logging';
import { createTelemetry } from '@mpstack/common/telemetry';
import { FileSink } from '@mpstack/log';

const ROUND = 100_000;
const BATCH = 5000;

const events: MessageLogEvent[] = Array.from({ length: BATCH }, (_, i) => ({
  type: 'message',
  id: `bench-${i}`,
  at: Date.now(),
  account: 'acme',
  openId: `oUser${String(i).padStart(23, '0')}`,
  msgType: 'text',
  event: undefined,
  msgId: String(24_000_000_000_000_000 + i),
  content: '我要办宽带，资费多少？',
  outcome: 'replied',
  decidedBy: 'keyword',
  latencyMs: 3,
}));

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function median(run: () => Promise<void>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const start = cpuMicros();
    await run();
    samples.push((cpuMicros() - start) / ROUND);
  }
  return samples.sort((a, b) => a - b)[2] ?? Number.NaN;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mpstack-bench-files-'));
  const telemetry = createTelemetry({ service: 'bench', traceSampleRatio: 0 });
  const sink = new FileSink({
    dir,
    clock: Date.now,
    retentionMonths: 6,
    logger: createLogger({ service: 'bench', level: 'silent' }),
    meter: telemetry.meter,
    flushMs: 1000,
    maxBufferedBytes: 512 * 1024 * 1024,
  });
  try {
    let length = 0;
    const floor = await median(async () => {
      for (let r = 0; r < ROUND / BATCH; r += 1) for (const e of events) length += JSON.stringify(e).length;
    });
    const files = await median(async () => {
      for (let r = 0; r < ROUND / BATCH; r += 1) sink.append(events);
      await sink.flush();
    });
    process.stdout.write(`floor: JSON.stringify of each event      ${floor.toFixed(2).padStart(7)} µs/event\n`);
    process.stdout.write(`FileSink append + flush (to disk)        ${files.toFixed(2).padStart(7)} µs/event\n`);
    process.stdout.write(
      `ratio to the floor                       ${(files / floor).toFixed(2).padStart(7)} ×  (floor loop: ${length} characters serialised)\n`,
    );
  } finally {
    await sink.close();
    await telemetry.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
