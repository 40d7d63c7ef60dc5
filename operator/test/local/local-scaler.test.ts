import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { type LocalProcess, type Spawner, startLocalScaler } from '../../src/local/index.js';
import { defaultBehavior } from '../../src/scaling/index.js';

/** A fake child process: records signals; exits on SIGTERM unless told to hang. */
class FakeProcess extends EventEmitter implements LocalProcess {
  readonly signals: string[] = [];
  constructor(
    readonly port: number,
    private readonly hangs: boolean,
  ) {
    super();
  }
  kill(signal: 'SIGTERM' | 'SIGKILL'): boolean {
    this.signals.push(signal);
    if (signal === 'SIGKILL' || !this.hangs) setImmediate(() => this.emit('exit', 0));
    return true;
  }
}

function harness(options: { readonly hangs?: boolean } = {}) {
  const spawned: FakeProcess[] = [];
  const counters = new Map<number, number>();
  let isDown = false;
  const spawn: Spawner = (argv, env) => {
    assert.deepEqual(argv, ['node', 'services/cli/bin/mpstack.js', 'run', 'ingress']);
    const proc = new FakeProcess(Number(env['MPSTACK_INGRESS_PORT']), options.hangs ?? false);
    spawned.push(proc);
    counters.set(proc.port, 0);
    return proc;
  };
  const fetch = async (url: string) => {
    const { port, pathname } = new URL(url);
    if (isDown) throw new Error('ECONNREFUSED');
    if (pathname === '/readyz') return new Response('{}', { status: 200 });
    return new Response(`mpstack_requests_total{service="ingress"} ${counters.get(Number(port)) ?? 0}\n`);
  };
  return {
    spawned,
    spawn,
    fetch,
    /** Every live copy serves `perCopy` requests per second for `seconds`. */
    serve(perCopy: number, seconds: number) {
      for (const [port, count] of counters) counters.set(port, count + perCopy * seconds);
    },
    setDown(down: boolean) {
      isDown = down;
    },
  };
}

describe('local/startLocalScaler: the scaling loop over local processes (fake spawner)', () => {
  let now = 0;
  const clock = () => now;
  const fast = { ...defaultBehavior, scaleDown: { ...defaultBehavior.scaleDown, stabilizationWindowSeconds: 0 } };

  it('starts min copies on distinct ports, scales up under load and stops copies with SIGTERM when load falls', async () => {
    const h = harness();
    const scaler = startLocalScaler({
      service: 'ingress',
      command: ['node', 'services/cli/bin/mpstack.js', 'run', 'ingress'],
      basePort: 9100,
      min: 2,
      max: 6,
      target: 100,
      clock,
      intervalMs: 3_600_000,
      behavior: fast,
      spawn: h.spawn,
      fetch: h.fetch,
    });
    try {
      assert.deepEqual(
        h.spawned.map((p) => p.port),
        [9100, 9101],
      );
      const first = await scaler.tick();
      assert.equal(first.reason, 'MetricUnavailable', 'no rate on the first scrape: hold');
      now += 15_000;
      h.serve(250, 15);
      const up = await scaler.tick();
      assert.equal(up.replicas, 5, 'ceil(2 × 250 / 100)');
      assert.deepEqual(
        h.spawned.map((p) => p.port),
        [9100, 9101, 9102, 9103, 9104],
      );
      await scaler.tick(); // the new copies get their first reading
      now += 15_000;
      h.serve(20, 15);
      const down = await scaler.tick();
      assert.equal(down.replicas, 2);
      assert.equal(scaler.driver.replicas, 2);
      assert.deepEqual(
        h.spawned.map((p) => p.signals.join()),
        ['', '', 'SIGTERM', 'SIGTERM', 'SIGTERM'],
      );
    } finally {
      await scaler.stop();
    }
    assert.ok(
      h.spawned.every((p) => p.signals.includes('SIGTERM')),
      'stop() terminates every copy',
    );
  });

  it('holds the count (no copy stopped) when no copy can be scraped', async () => {
    const h = harness();
    const scaler = startLocalScaler({
      service: 'ingress',
      command: ['node', 'services/cli/bin/mpstack.js', 'run', 'ingress'],
      basePort: 9200,
      min: 1,
      max: 6,
      target: 100,
      clock,
      intervalMs: 3_600_000,
      behavior: fast,
      spawn: h.spawn,
      fetch: h.fetch,
    });
    try {
      await scaler.tick();
      now += 15_000;
      h.serve(300, 15);
      assert.equal((await scaler.tick()).replicas, 3);
      h.setDown(true);
      now += 15_000;
      const held = await scaler.tick();
      assert.deepEqual([held.replicas, held.reason], [3, 'MetricUnavailable']);
      assert.ok(h.spawned.every((p) => p.signals.length === 0));
    } finally {
      await scaler.stop();
    }
  });

  it('SIGKILLs a copy that does not exit within the stop timeout', async () => {
    const h = harness({ hangs: true });
    const scaler = startLocalScaler({
      service: 'ingress',
      command: ['node', 'services/cli/bin/mpstack.js', 'run', 'ingress'],
      basePort: 9300,
      min: 1,
      max: 2,
      target: 100,
      clock,
      intervalMs: 3_600_000,
      spawn: h.spawn,
      fetch: h.fetch,
      stopTimeoutMs: 50,
    });
    await scaler.stop();
    assert.deepEqual(h.spawned[0]?.signals, ['SIGTERM', 'SIGKILL']);
  });

  it('pre-scales the copies for a push the business service announces, and lets go once it is no longer announced', async () => {
    const h = harness();
    now = Date.parse('2025-01-01T00:00:00Z');
    let pushes: { start: string; expectedMessages: number; durationSeconds: number }[] = [];
    const seen: number[] = [];
    const scaler = startLocalScaler({
      service: 'ingress',
      command: ['node', 'services/cli/bin/mpstack.js', 'run', 'ingress'],
      basePort: 9300,
      min: 1,
      max: 8,
      target: 100,
      clock,
      intervalMs: 3_600_000,
      behavior: fast,
      spawn: h.spawn,
      fetch: h.fetch,
      announcements: async () => pushes,
      onDecision: (_decision, prescale) => seen.push(prescale.floor),
    });
    try {
      await scaler.tick();
      // Four minutes ahead of a push of 60 000 messages over 600 s: peak 100/s × 3 = 300 req/s → 3 copies.
      pushes = [{ start: '2025-01-01T00:04:00.000Z', expectedMessages: 60_000, durationSeconds: 600 }];
      now += 15_000;
      const raised = await scaler.tick();
      assert.equal(raised.replicas, 3);
      assert.equal(scaler.driver.replicas, 3);
      pushes = [];
      now += 15_000;
      h.serve(0, 15);
      await scaler.tick();
      assert.deepEqual(seen, [0, 3, 0], 'the floor follows the announcement');
    } finally {
      await scaler.stop();
    }
  });
});
