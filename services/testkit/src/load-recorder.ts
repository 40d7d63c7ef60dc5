import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RecordedRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Every module URL or file path the process loaded. */
  readonly loaded: readonly string[];
}

/** Runs `node <args>` in a fresh process and lists every module it loaded. */
export function runRecordingLoads(args: readonly string[], options: { readonly cwd?: string } = {}): RecordedRun {
  const dir = mkdtempSync(join(tmpdir(), 'mpstack-loads-'));
  const log = join(dir, 'loads.txt');
  try {
    const register = fileURLToPath(new URL('./load-recorder-register.js', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', register, ...args], {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env: { ...process.env, MPSTACK_LOAD_LOG: log },
      encoding: 'utf8',
      timeout: 30_000,
    });
    let loaded: string[] = [];
    try {
      loaded = readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line !== '');
    } catch {
      // nothing recorded
    }
    return { status: child.status, stdout: child.stdout, stderr: child.stderr, loaded };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Packages that open connections or servers or weigh on start-up: what a pure module must not load. */
export const driverPackages: readonly string[] = [
  'better-sqlite3',
  'mysql2',
  'ioredis',
  'amqplib',
  'kysely',
  'express',
  'pino',
  '@opentelemetry/api',
  '@opentelemetry/sdk-metrics',
  '@kubernetes/client-node',
];

/** The npm packages among loaded modules (`node_modules/<name>` or `node_modules/@scope/<name>`). */
export function packagesIn(loaded: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const entry of loaded) {
    for (const match of entry.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)) if (match[1]) names.add(match[1]);
  }
  return names;
}
