import { createHook } from 'node:async_hooks';

/**
 * A mocha root-hook plugin (`.mocharc.cjs` `require`): without `--exit`, a timer, socket,
 * server or child process a test leaves behind keeps mocha from exiting. This turns that hang
 * into a failure: `graceMs` after the last test, whatever still holds the event loop is listed
 * and the run exits 1. `MPSTACK_LEAK_TRACE=1` also prints where each leaked resource was created.
 */
const graceMs = Number(process.env.MPSTACK_LEAK_GRACE_MS ?? 5_000);
const created = new Map<number, { readonly type: string; readonly stack: string }>();

if (process.env.MPSTACK_LEAK_TRACE === '1') {
  createHook({
    init(id, type) {
      if (type !== 'PROMISE') created.set(id, { type, stack: new Error().stack ?? '' });
    },
    destroy(id) {
      created.delete(id);
    },
  }).enable();
}

interface HandleLike {
  readonly constructor: { readonly name: string };
  hasRef?(): boolean;
  address?(): unknown;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localPort?: number;
  readonly spawnargs?: readonly string[];
  readonly pid?: number;
}

function describe(handle: HandleLike): string {
  const name = handle.constructor.name;
  if (handle.spawnargs !== undefined) return `${name} pid ${handle.pid}: ${handle.spawnargs.join(' ')}`;
  if (handle.remotePort !== undefined)
    return `${name} :${handle.localPort} → ${handle.remoteAddress}:${handle.remotePort}`;
  if (typeof handle.address === 'function') {
    try {
      return `${name} listening on ${JSON.stringify(handle.address())}`;
    } catch {
      return name;
    }
  }
  return name;
}

/** What keeps the event loop alive, stdio aside. */
export function activeResources(): { readonly handles: readonly string[]; readonly resources: readonly string[] } {
  const stdio: readonly unknown[] = [process.stdin, process.stdout, process.stderr];
  const getHandles = (process as unknown as { _getActiveHandles(): HandleLike[] })._getActiveHandles;
  const handles = getHandles
    .call(process)
    .filter((handle) => !stdio.includes(handle) && (typeof handle.hasRef !== 'function' || handle.hasRef()))
    .map(describe);
  const resources = process.getActiveResourcesInfo().filter((type) => type !== 'TTYWrap');
  return { handles, resources };
}

function report(): void {
  const { handles, resources } = activeResources();
  const lines = [
    `\nleak check: ${graceMs} ms after the last test the event loop is still held by:`,
    ...handles.map((handle) => `  handle   ${handle}`),
    `  resources ${resources.join(', ') || '(none listed)'}`,
  ];
  if (created.size > 0) {
    for (const { type, stack } of created.values()) {
      // The first frames are this hook's own; the report's timer is created here too.
      const frames = stack
        .split('\n')
        .slice(2)
        .filter((frame) => !frame.includes('node:internal'));
      if (['TickObject', 'Immediate', 'DNSCHANNEL'].includes(type) || frames.some((f) => f.includes('leak-check.js'))) {
        continue;
      }
      lines.push(`  created ${type}:\n   ${frames.slice(0, 8).join('\n   ')}`);
    }
  } else {
    lines.push('  (MPSTACK_LEAK_TRACE=1 prints where each was created)');
  }
  process.stderr.write(`${lines.join('\n')}\n`);
  // Mocha's own 'exit' listener sets the exit code to the number of failures; this one runs after it.
  process.on('exit', () => {
    process.exitCode = 1;
  });
  process.exit(1);
}

export const mochaHooks = {
  afterAll(): void {
    // Unref'd: it fires only if something else keeps the loop alive, i.e. on a leak.
    setTimeout(report, graceMs).unref();
  },
};
