import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ReseedProgress } from '../../src/mysql/index.js';
import { reseedScript } from '../../src/mysql/reseed.js';
import type { MariadbPair } from './mariadb-harness.js';

const run = promisify(execFile);

/**
 * The re-seed as the Job runs it, run here: the same script (`reseedScript`) with the local
 * `mariadb`/`mariadb-dump`, against two servers of a pair. Counts its runs for the tests.
 */
export function localReseed(pair: MariadbPair): {
  readonly runs: string[];
  reseed(pod: string, from: string): Promise<ReseedProgress>;
} {
  const runs: string[] = [];
  // By the StatefulSet ordinal at the end of the name (`mysql-0`, `<platform>-mysql-0`).
  const portOf = (pod: string) => {
    const server = pair.servers.find((s) => s.ordinal === Number(/(\d+)$/.exec(pod)?.[1]));
    if (server === undefined) throw new Error(`unknown pod ${pod}`);
    return String(server.port);
  };
  return {
    runs,
    async reseed(pod, from) {
      runs.push(`${from}→${pod}`);
      await run('sh', ['-c', reseedScript('mariadb')], {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          TMPDIR: pair.dir,
          SOURCE_HOST: '127.0.0.1',
          SOURCE_PORT: portOf(from),
          TARGET_HOST: '127.0.0.1',
          TARGET_PORT: portOf(pod),
          MYSQL_PWD: '',
        },
      });
      return 'done';
    },
  };
}
