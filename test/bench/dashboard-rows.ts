/**
 * What one dashboard request reads in MariaDB, counted by the server (the session's
 * `Handler_read_*` counters: index and table rows read), which the machine's load does not
 * change — against the statements the dashboard ran before the hour / day rollups (per-minute
 * rows of the window and of the comparison window, grouped in SQL, one after the other), on the
 * database `make bench-log-search` keeps (`BENCH_LOG_SEARCH_KEEP=1`).
 *
 *   node test/dist/bench/dashboard-rows.js   (BENCH_LOG_SEARCH_DB, default mpstack_bench_log_search)
 */

import { createDatabase, type Db } from '@mpstack/common/db';
import { dashboard, defaultStep } from '@mpstack/log';
import { sql } from 'kysely';

const ADMIN_URL = process.env['MPSTACK_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306';
const NAME = process.env['BENCH_LOG_SEARCH_DB'] ?? 'mpstack_bench_log_search';
const MINUTE = 60_000;
const DAY = 86_400_000;

async function rowsRead(db: Db): Promise<number> {
  const result = await sql<{ Variable_name: string; Value: string }>`SHOW SESSION STATUS LIKE 'Handler_read%'`.execute(
    db,
  );
  return result.rows.reduce((sum, r) => sum + Number(r.Value), 0);
}

/** The statements of the dashboard before this change, for one window (its code, as SQL). */
async function before(db: Db, account: string | undefined, from: number, to: number): Promise<void> {
  const mine = account === undefined ? sql`` : sql` AND account = ${account}`;
  const fromMinute = from - (from % MINUTE);
  const fromDay = from - (from % DAY);
  await sql`SELECT minute, msg_type, SUM(total), SUM(fast), SUM(queued), SUM(failed) FROM log_rollup_minute
    WHERE minute >= ${fromMinute} AND minute <= ${to}${mine} GROUP BY minute, msg_type ORDER BY minute`.execute(db);
  await sql`SELECT bucket, SUM(count) FROM log_rollup_latency
    WHERE minute >= ${fromMinute} AND minute <= ${to}${mine} GROUP BY bucket`.execute(db);
  await sql`SELECT day, metric, dimension, SUM(count) FROM log_rollup_day WHERE day >= ${fromDay} AND day <= ${to}
    AND metric IN ('followers_gained', 'followers_lost')${mine} GROUP BY day, metric, dimension ORDER BY day`.execute(
    db,
  );
  await sql`SELECT dimension, SUM(count) AS count FROM log_rollup_day WHERE day >= ${fromDay} AND day <= ${to}
    AND metric = 'keyword'${mine} GROUP BY dimension ORDER BY count DESC LIMIT 10`.execute(db);
}

async function main(): Promise<void> {
  // One connection: the session counters then count every statement of the request.
  const db = createDatabase({ url: `${ADMIN_URL}/${NAME}`, connectionLimit: 1 });
  try {
    const meta = await sql<{ end_at: number }>`SELECT end_at FROM bench_meta`.execute(db);
    const to = Number(meta.rows[0]?.end_at);
    const cases = [
      { name: 'account, last hour (compare yesterday)', account: 'acct0', from: to - 3_600_000, shift: DAY },
      { name: 'account, last 24 h (compare week)', account: 'acct0', from: to - DAY, shift: 7 * DAY },
      { name: 'all accounts, 1 h (compare previous)', account: undefined, from: to - 3_600_000, shift: 3_600_000 },
      { name: 'all accounts, 7 days (compare previous)', account: undefined, from: to - 7 * DAY, shift: 7 * DAY },
    ];
    console.log(`dashboard rows read in MariaDB per request (Handler_read_*), ${NAME}`);
    for (const c of cases) {
      const start = await rowsRead(db);
      await before(db, c.account, c.from, to);
      await before(db, c.account, c.from - c.shift, to - c.shift);
      const mid = await rowsRead(db);
      await dashboard(db, { account: c.account, from: c.from, to, step: defaultStep(c.from, to), shift: c.shift });
      const end = await rowsRead(db);
      // Each SHOW STATUS reads its own rows too: measured once and taken off.
      const show = (await rowsRead(db)) - end;
      const old = mid - start - show;
      const now = end - mid - show;
      console.log(
        `  ${c.name.padEnd(42)} before ${String(old).padStart(8)}  after ${String(now).padStart(8)}  ${(now / old).toFixed(3)}×`,
      );
    }
  } finally {
    await db.destroy();
  }
}

await main();
