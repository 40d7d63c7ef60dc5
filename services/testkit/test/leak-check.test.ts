import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const mochaBin = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
const leakCheck = fileURLToPath(new URL('../src/leak-check.js', import.meta.url));

/** Runs mocha on one spec file with the leak check, as the suite does; resolves with its exit code and stderr. */
function runMocha(
  spec: string,
): Promise<{ readonly code: number | null; readonly stderr: string; readonly ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mochaBin, '--no-config', '--require', leakCheck, spec], {
      env: { ...process.env, MPSTACK_LEAK_GRACE_MS: '300' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, ms: Date.now() - started }));
  });
}

describe('leak check (mocha root hook)', function () {
  this.timeout(20_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mpstack-leak-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fails a passing run that leaves a server listening or a timer running, and names them', async () => {
    const spec = join(dir, 'leaky.test.mjs');
    writeFileSync(
      spec,
      `import net from 'node:net';
       it('leaves a server and an interval', async () => {
         setInterval(() => undefined, 1000);
         await new Promise((resolve) => net.createServer().listen(0, '127.0.0.1', resolve));
       });`,
    );
    const { code, stderr, ms } = await runMocha(spec);
    assert.equal(code, 1);
    assert.match(stderr, /leak check: 300 ms after the last test the event loop is still held by/);
    assert.match(stderr, /Server listening on .*"127\.0\.0\.1"/);
    assert.match(stderr, /Timeout/);
    assert.ok(ms < 15_000, `failed fast (${ms} ms), not hanging`);
  });

  it('lets a clean run exit 0 at once', async () => {
    const spec = join(dir, 'clean.test.mjs');
    writeFileSync(spec, `it('cleans up', async () => { clearTimeout(setTimeout(() => undefined, 1000)); });`);
    const { code, stderr } = await runMocha(spec);
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /leak check/);
  });
});
