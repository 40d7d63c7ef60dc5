import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../../src/logging/logger.js';
import {
  type ComposedService,
  type ServiceDefinition,
  type ShellConfig,
  startComposed,
  startService,
} from '../../../src/runtime/service-shell.js';

const silent = createLogger({ service: 'test', level: 'silent' });
const config: ShellConfig = { logLevel: 'silent' };

function definition(compose: ServiceDefinition<ShellConfig>['compose']): ServiceDefinition<ShellConfig> {
  return { name: 'probe', config: () => config, compose };
}

const listen = { port: 0, host: '127.0.0.1' } as const;

describe('runtime/service shell', () => {
  it('serves /healthz, /readyz from the service readiness and /metrics; the service app gets the rest', async () => {
    let dbUp = true;
    const running = await startService(
      definition(async () => ({
        listen,
        ready: async () => ({ db: dbUp }),
        app: (_req, res) => {
          res.end('own app');
        },
      })),
      config,
      { logger: silent },
    );
    try {
      assert.equal((await fetch(`${running.url}/healthz`)).status, 200);
      assert.deepEqual(await (await fetch(`${running.url}/readyz`)).json(), { status: 'ready', checks: { db: true } });
      dbUp = false;
      assert.equal((await fetch(`${running.url}/readyz`)).status, 503);
      assert.equal((await fetch(`${running.url}/metrics`)).status, 200);
      assert.equal(await (await fetch(`${running.url}/anything?x=1`)).text(), 'own app');
    } finally {
      assert.deepEqual(await running.close(), []);
    }
  });

  it('closes once: intake, then the drain with its deadline, then every step last-opened first, even when one fails', async () => {
    const order: string[] = [];
    let deadline = 0;
    const composed: ComposedService = {
      listen,
      drain: async (d) => {
        deadline = d;
        order.push('drain');
      },
    };
    const running = await startService(
      definition(async ({ onClose }) => {
        onClose('database', async () => void order.push('database'));
        onClose('queue', async () => {
          order.push('queue');
          throw new Error('channel already closed');
        });
        onClose('loops', async () => void order.push('loops'));
        return composed;
      }),
      config,
      { logger: silent, drainMs: 3000 },
    );
    const before = Date.now();
    const [first, second] = await Promise.all([running.close(), running.close()]);
    assert.deepEqual(first, ['queue']);
    assert.equal(second, first, 'one close, shared');
    assert.deepEqual(order, ['drain', 'loops', 'queue', 'database']);
    assert.ok(deadline >= before + 3000 && deadline <= Date.now() + 3000, `deadline ${deadline - before} ms ahead`);
    assert.equal(running.isClosing(), true);
    await assert.rejects(fetch(`${running.url}/healthz`), 'the server no longer accepts');
  });

  it('closes what a failing compose had opened, and rethrows its error', async () => {
    const closed: string[] = [];
    await assert.rejects(
      startService(
        definition(async ({ onClose }) => {
          onClose('database', async () => void closed.push('database'));
          throw new Error('migration failed');
        }),
        config,
        { logger: silent },
      ),
      /migration failed/,
    );
    assert.deepEqual(closed, ['database']);
  });

  it('closes what compose opened when the port is taken', async () => {
    const holder = await startService(
      definition(async () => ({ listen })),
      config,
      { logger: silent },
    );
    const closed: string[] = [];
    const port = Number(new URL(holder.url).port);
    await assert.rejects(
      startService(
        definition(async ({ onClose }) => {
          onClose('queue', async () => void closed.push('queue'));
          return { listen: { port, host: '127.0.0.1' } };
        }),
        config,
        { logger: silent },
      ),
      /EADDRINUSE/,
    );
    assert.deepEqual(closed, ['queue']);
    await holder.close();
  });

  describe('startComposed', () => {
    const reporting =
      (steps: { name: string; fails: boolean }[], report: boolean) => (onComposed: (built: string) => void) =>
        definition(async ({ onClose }) => {
          for (const step of steps) {
            onClose(step.name, async () => {
              if (step.fails) throw new Error(`${step.name} broke`);
            });
          }
          if (report) onComposed('the parts');
          return { listen };
        });

    it('hands back what compose reported with the running service; close resolves when every step succeeded', async () => {
      const running = await startComposed(reporting([{ name: 'queue', fails: false }], true), config, {
        logger: silent,
        telemetry: undefined,
      });
      assert.equal(running.built, 'the parts');
      assert.equal(running.url, running.service.url);
      assert.equal((await fetch(`${running.url}/healthz`)).status, 200);
      await running.close();
      assert.equal(running.service.isClosing(), true);
    });

    it('close rejects naming the service and the steps that failed, after running all', async () => {
      const running = await startComposed(
        reporting(
          [
            { name: 'queue', fails: true },
            { name: 'cache', fails: false },
            { name: 'database', fails: true },
          ],
          true,
        ),
        config,
        { logger: silent },
      );
      await assert.rejects(running.close(), { message: 'probe close failed: database, queue' });
    });

    it('fails the start, closed, when compose never reported what it built', async () => {
      const closed: string[] = [];
      await assert.rejects(
        startComposed(
          (_onComposed: (built: string) => void) =>
            definition(async ({ onClose }) => {
              onClose('queue', async () => void closed.push('queue'));
              return { listen };
            }),
          config,
          { logger: silent },
        ),
        { message: 'probe composed without reporting what it built' },
      );
      assert.deepEqual(closed, ['queue']);
    });
  });
});

describe('runtime/runService in a process of its own', () => {
  const fixture = fileURLToPath(new URL('../../fixtures/shell-service.js', import.meta.url));

  async function runUntilSignal(failStep?: string): Promise<{ code: number | null; steps: string[] }> {
    const child = spawn(process.execPath, [fixture], {
      env: {
        ...process.env,
        MPSTACK_LOG_LEVEL: 'info',
        ...(failStep === undefined ? {} : { SHELL_FAIL_STEP: failStep }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: Record<string, unknown>[] = [];
    let buffered = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const line of complete) {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (!signalled && parsed['msg'] === 'shell-fixture listening') {
          signalled = true;
          child.kill('SIGTERM');
        }
      }
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, steps: lines.flatMap((l) => (typeof l['ran'] === 'string' ? [l['ran']] : [])) };
  }

  it('on SIGTERM drains, runs every close step and exits 0', async () => {
    assert.deepEqual(await runUntilSignal(), { code: 0, steps: ['drain', 'last-opened', 'first-opened'] });
  });

  it('exits 1 when a close step fails, after running the others', async () => {
    assert.deepEqual(await runUntilSignal('last-opened'), {
      code: 1,
      steps: ['drain', 'last-opened', 'first-opened'],
    });
  });
});
