import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createVhost, deleteVhost, REDIS_URL, uniqueName, until } from '@mpstack/testkit';
import mysql from 'mysql2/promise';
import { dropTestDatabase } from '../support/mariadb.js';

const cliBin = fileURLToPath(new URL('../../../services/cli/bin/mpstack.js', import.meta.url));
const adminUrl = process.env['MPSTACK_TEST_DATABASE_URL'] ?? 'mysql://root@127.0.0.1:3306';
const run = promisify(execFile);

interface Cli {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** `mpstack …` as a user starts it: its own process, nothing but `env` (and PATH) set. */
function startCli(args: readonly string[], env: Readonly<Record<string, string>>, cwd: string): Cli {
  const child = spawn(process.execPath, [cliBin, ...args], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The URL printed on the banner line that starts with `label`. */
function bannerUrl(output: string, label: string): string {
  const line = output.split('\n').find((l) => l.trimStart().startsWith(label));
  const url = line?.match(/http:\/\/\S+/)?.[0];
  assert.ok(url !== undefined, `no "${label}" line in:\n${output}`);
  return url;
}

/** Processes whose environment carries `marker` (survivors of a process that has exited included). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) pids.push(Number(entry));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function childPids(pid: number): Promise<number[]> {
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((n) => n > 0);
}

async function listen(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

/**
 * A port p with p … p+span free right now, below the kernel's ephemeral range (32768–60999):
 * there no outgoing connection of another test takes one between this check and `mpstack dev`'s listen.
 */
async function freePortRange(span: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - span));
    const servers: Server[] = [];
    try {
      for (let p = base; p <= base + span; p++) servers.push(await listen(p));
      return base;
    } catch {
      // taken: try another range
    } finally {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    }
  }
  throw new Error('no free port range');
}

/**
 * `mpstack dev` exactly as the README tells a new user to run it on the real servers: only the
 * three URL variables, a database that does not exist yet, then `mpstack sim send`.
 */
describe('e2e: mpstack dev on the real servers, from the command line', function () {
  this.timeout(90_000);
  const name = uniqueName('mpstack_dev').replace('-', '_');
  let amqpUrl: string;
  let dir: string;
  let env: Record<string, string>;
  const started: Cli[] = [];

  before(async () => {
    amqpUrl = await createVhost(name);
    dir = mkdtempSync(join(tmpdir(), 'mpstack-dev-'));
    env = {
      MPSTACK_DATABASE_URL: `${adminUrl}/${name}`,
      MPSTACK_REDIS_URL: REDIS_URL,
      MPSTACK_AMQP_URL: amqpUrl,
      MPSTACK_LOG_PORT: '0',
      MPSTACK_BUSINESS_PORT: '0',
    };
  });

  after(async () => {
    for (const cli of started) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    for (const pid of processesWith(name)) process.kill(pid, 'SIGKILL');
    await dropTestDatabase(name);
    await deleteVhost(name);
    rmSync(dir, { recursive: true, force: true });
  });

  function dev(args: readonly string[]): Cli {
    const cli = startCli(['dev', ...args], env, dir);
    started.push(cli);
    return cli;
  }

  async function running(cli: Cli): Promise<string> {
    await Promise.race([
      until(() => cli.output().includes('Ctrl-C stops everything.'), 60_000, 'the start-up banner', 100),
      cli.exited.then((code) => {
        throw new Error(`mpstack dev exited (${code}):\n${cli.output()}`);
      }),
    ]);
    return cli.output();
  }

  async function simSend(webhook: string, simulator: string, text: string): Promise<string> {
    const { stdout } = await run(
      process.execPath,
      [
        cliBin,
        'sim',
        'send',
        '--url',
        webhook,
        '--simulator',
        simulator,
        '--from',
        uniqueName('o_dev'),
        '--text',
        text,
      ],
      { cwd: dir },
    );
    return stdout;
  }

  it('creates the database (utf8mb4), prints where the data is, and the user sees the reply and the customer-service follow-up', async () => {
    const cli = dev(['--ingress-port', '0', '--simulator-port', '0']);
    const banner = await running(cli);
    assert.match(banner, new RegExp(`data +MySQL at 127\\.0\\.0\\.1:3306 as user "root", database "${name}"`));
    assert.doesNotMatch(banner, /mpstack\.db/);
    assert.match(banner, /mode +mysql, cache redis, queue rabbitmq/);
    assert.match(banner, /log service \(query API, health\) +http:\/\/127\.0\.0\.1:\d+\/readyz/);
    const admin = await mysql.createConnection(adminUrl);
    try {
      const [rows] = await admin.query(
        'SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
        [name],
      );
      assert.deepEqual(rows, [{ cs: 'utf8mb4' }]);
    } finally {
      await admin.end();
    }
    const chat = await simSend(bannerUrl(banner, 'webhook'), bannerUrl(banner, 'WeChat API simulator'), '办宽带 😀');
    assert.match(chat, /^user o_dev-\w+: 办宽带 😀$/m);
    assert.match(chat, /^account \(reply\): 收到，正在为您处理…$/m);
    assert.match(chat, /^account \(customer service\): （业务处理）已收到「办宽带 😀」/m);
    // The log service consumed the ingress's log event into the message log.
    const logged = await mysql.createConnection(`${adminUrl}/${name}`);
    try {
      await until(
        async () => {
          const [rows] = await logged.query("SELECT content FROM log_messages WHERE msg_type = 'text'");
          return (rows as { content: string }[]).some((row) => row.content === '办宽带 😀');
        },
        15_000,
        'the text message in log_messages',
      );
      // The follow-up went out as the business service's customer-service send (the shared client), recorded as sent.
      const [sends] = await logged.query('SELECT account_id, msgtype, status FROM kefu_sends');
      assert.deepEqual(sends, [{ account_id: 'demo', msgtype: 'text', status: 'sent' }]);
    } finally {
      await logged.end();
    }
    cli.child.kill('SIGINT');
    assert.equal(await cli.exited, 0);
  });

  it('--scale auto starts, answers through the front URL, and leaves no copy running after Ctrl-C', async () => {
    const port = await freePortRange(2);
    const cli = dev(['--scale', 'auto', '--scale-max', '2', '--ingress-port', String(port), '--simulator-port', '0']);
    const banner = await running(cli);
    const webhook = bannerUrl(banner, 'webhook');
    assert.equal(webhook, `http://127.0.0.1:${port}/wx/demo`);
    // the first copy is routed to once the scaler has seen it ready (its 5 s interval)
    await until(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
      30_000,
      'a ready copy',
      200,
    );
    const copies = await childPids(cli.child.pid ?? 0);
    assert.ok(copies.length >= 1, 'at least one ingress copy runs as a child of mpstack dev');
    const chat = await simSend(webhook, bannerUrl(banner, 'WeChat API simulator'), '话费');
    assert.match(chat, /^account \(reply\): 您本月话费 58\.00 元/m);
    cli.child.kill('SIGINT');
    assert.equal(await cli.exited, 0);
    assert.deepEqual(
      copies.filter((pid) => isAlive(pid)),
      [],
      'every copy has exited',
    );
    assert.deepEqual(processesWith(name), [], 'no process carrying this run is left');
  });

  for (const clash of [
    {
      what: 'the front port',
      offset: 0,
      message: /\(the webhook\) is already in use: .*--ingress-port or MPSTACK_INGRESS_PORT/,
    },
    { what: "a copy's port", offset: 1, message: /\(an ingress copy of --scale auto: .*--scale-max/ },
  ]) {
    it(`--scale auto on a taken port (${clash.what}) says which port and what changes it, and starts no copy`, async () => {
      const port = await freePortRange(2);
      const blocker = await listen(port + clash.offset);
      try {
        const cli = dev([
          '--scale',
          'auto',
          '--scale-max',
          '2',
          '--ingress-port',
          String(port),
          '--simulator-port',
          '0',
        ]);
        assert.equal(await cli.exited, 1);
        assert.match(cli.output(), new RegExp(`^mpstack: port ${port + clash.offset} on 127\\.0\\.0\\.1 `, 'm'));
        assert.match(cli.output(), clash.message);
        assert.doesNotMatch(cli.output(), /\n\s+at /, 'no stack trace');
        assert.deepEqual(processesWith(name), [], 'no ingress copy was left behind');
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    });
  }

  it('a taken webhook or simulator port ends mpstack dev with the port and its flag, nothing left holding it open', async () => {
    const port = await freePortRange(1);
    const blocker = await listen(port);
    try {
      const ingress = dev(['--ingress-port', String(port), '--simulator-port', '0']);
      assert.equal(await ingress.exited, 1, 'exits by itself: nothing keeps the process alive');
      assert.match(
        ingress.output(),
        new RegExp(`^mpstack: port ${port} on 127\\.0\\.0\\.1 \\(the webhook\\) is already in use`, 'm'),
      );
      const simulator = dev(['--ingress-port', '0', '--simulator-port', String(port)]);
      assert.equal(await simulator.exited, 1);
      assert.match(
        simulator.output(),
        new RegExp(
          `^mpstack: port ${port} on 127\\.0\\.0\\.1 \\(the WeChat simulator and phone page, or its mailbox\\) is already in use: .*--simulator-port or MPSTACK_SIMULATORS_PORT \\(.*MPSTACK_SIMULATORS_HTTPS_PORT; api2 [^:]+: MPSTACK_SIMULATORS_API2_PORT\\)$`,
          'm',
        ),
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('MPSTACK_INGRESS_PORT and MPSTACK_SIMULATORS_PORT choose the ports when the flags are not given', async () => {
    const port = await freePortRange(1);
    const ports = { MPSTACK_INGRESS_PORT: String(port), MPSTACK_SIMULATORS_PORT: String(port + 1) };
    const cli = startCli(['dev'], { ...env, ...ports }, dir);
    started.push(cli);
    const banner = await running(cli);
    assert.equal(bannerUrl(banner, 'webhook'), `http://127.0.0.1:${port}/wx/demo`);
    assert.equal(bannerUrl(banner, 'WeChat API simulator'), `http://127.0.0.1:${port + 1}`);
    cli.child.kill('SIGINT');
    assert.equal(await cli.exited, 0);
  });
});

describe('e2e: mpstack migrate against a MariaDB that cannot be used', function () {
  this.timeout(30_000);

  it('a closed port and wrong credentials each say what failed, not "migration unknown failed"', async () => {
    const port = await freePortRange(0);
    const cwd = mkdtempSync(join(tmpdir(), 'mpstack-migrate-'));
    try {
      const closed = startCli(['migrate'], { MPSTACK_DATABASE_URL: `mysql://root@127.0.0.1:${port}/mpstack` }, cwd);
      assert.equal(await closed.exited, 1);
      assert.equal(
        closed.output().trim(),
        `mpstack: cannot connect to MySQL at 127.0.0.1:${port} as user "root", database "mpstack": connect ECONNREFUSED 127.0.0.1:${port}`,
      );
      const host = new URL(adminUrl).host;
      const denied = startCli(['migrate'], { MPSTACK_DATABASE_URL: `mysql://mpstack_nobody:pw@${host}/mpstack` }, cwd);
      assert.equal(await denied.exited, 1);
      assert.match(
        denied.output(),
        /^mpstack: cannot connect to MySQL at .* as user "mpstack_nobody", database "mpstack": ER_ACCESS_DENIED\w*: Access denied for user 'mpstack_nobody'/,
      );
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
