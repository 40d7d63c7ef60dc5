import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { mysqlReadinessCommand } from '../../src/resources/mysql.js';
import { sqlOn } from './load.js';
import { killServer, type MariadbPair, startMariadbPair, startServer, stopPair } from './mariadb-harness.js';

const run = promisify(execFile);

/**
 * The StatefulSet's readiness command, run as the kubelet runs it (argv, the container's
 * environment), against a real MariaDB process: the TCP check it replaces would pass for a
 * stopped (SIGSTOP) server whose kernel still accepts connections.
 */
describe('MySQL readiness probe: a real query', function () {
  this.timeout(60_000);
  let pair: MariadbPair | undefined;
  before(async () => {
    // root@'%' as the entrypoint creates it, with the password the Secret would give it.
    pair = await startMariadbPair();
    await sqlOn(pair.servers[0].port, "ALTER USER 'root'@'%' IDENTIFIED BY 'root-secret'");
  });
  after(async () => {
    if (pair !== undefined) await stopPair(pair);
  });

  async function probe(password: string): Promise<boolean> {
    const [file, ...args] = mysqlReadinessCommand('mariadb');
    const port = String(pair?.servers[0].port);
    try {
      await run(file ?? 'sh', args, {
        timeout: 3000, // the probe's timeoutSeconds
        env: { PATH: process.env.PATH ?? '', MYSQL_ROOT_PASSWORD: password, MYSQL_TCP_PORT: port },
      });
      return true;
    } catch {
      return false;
    }
  }

  it('is Ready only when root answers a query with the Secret password', async () => {
    assert.equal(await probe('root-secret'), true);
    assert.equal(await probe('wrong'), false);
  });

  it('is NotReady for a hung server that still accepts TCP connections, and for a dead one', async () => {
    const server = pair!.servers[0];
    server.process?.kill('SIGSTOP');
    try {
      const tcpAccepts = await new Promise<boolean>((resolve) => {
        const socket = connect(server.port, '127.0.0.1', () => resolve(true)).on('error', () => resolve(false));
        socket.setTimeout(2000, () => resolve(false));
        setTimeout(() => socket.destroy(), 2100);
      });
      assert.equal(tcpAccepts, true, 'the old tcpSocket check would have said Ready');
      assert.equal(await probe('root-secret'), false);
    } finally {
      server.process?.kill('SIGCONT');
    }
    assert.equal(await probe('root-secret'), true);
    await killServer(server);
    assert.equal(await probe('root-secret'), false);
    await startServer(server);
    assert.equal(await probe('root-secret'), true);
  });
});
