import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, type Migration, sql } from 'kysely';
import { createDatabase, type Db } from '../../../src/db/database.js';
import { migrateToLatest } from '../../../src/db/migrate.js';
import { migrations } from '../../../src/db/migrations/index.js';
import { orderMigrations } from '../../../src/db/migrations/order.js';

/** A migration that records that it ran (in `ran`) and creates a table named after it. */
function recording(ran: string[], name: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      ran.push(name);
      await sql`CREATE TABLE ${sql.table(`t_${name.slice(0, 4)}`)} (id INTEGER)`.execute(db);
    },
  };
}

function listOf(ran: string[], ...names: string[]): Record<string, Migration> {
  return Object.fromEntries(names.map((name) => [name, recording(ran, name)]));
}

describe('db/migrations in order', () => {
  describe('orderMigrations', () => {
    it('orders by number whatever order they were listed in', () => {
      assert.deepEqual(Object.keys(orderMigrations(listOf([], '0003-c', '0001-a', '0002-b'))), [
        '0001-a',
        '0002-b',
        '0003-c',
      ]);
    });

    it('refuses a number used twice, naming both migrations', () => {
      assert.throws(() => orderMigrations(listOf([], '0001-a', '0002-outbound', '0002-oauth')), {
        message: 'the migration list is out of order: number 0002 is used by 2: 0002-oauth, 0002-outbound',
      });
    });

    it('refuses a gap, naming the missing numbers', () => {
      assert.throws(() => orderMigrations(listOf([], '0001-a', '0004-d', '0005-e')), {
        message: 'the migration list is out of order: no migration numbered 0002, 0003 (a gap before 0005)',
      });
    });

    it('accepts a retired number as the only gap, and refuses a migration that takes one', () => {
      assert.deepEqual(Object.keys(orderMigrations(listOf([], '0001-a', '0003-c'), new Set([2]))), [
        '0001-a',
        '0003-c',
      ]);
      assert.throws(() => orderMigrations(listOf([], '0001-a', '0002-b'), new Set([2])), {
        message: 'the migration list is out of order: 0002-b uses 0002, a retired number',
      });
    });

    it('refuses a name that is not NNNN-words, since the name order is the run order', () => {
      assert.throws(
        () => orderMigrations(listOf([], '0001-a', '10-b', '0002-C')),
        (error: Error) => {
          assert.match(error.message, /"10-b" is not named NNNN-words/);
          assert.match(error.message, /"0002-C" is not named NNNN-words/);
          return true;
        },
      );
    });

    it("the project's own list is in order (0007 retired)", () => {
      const numbers = Object.keys(migrations).map((name) => Number(name.slice(0, 4)));
      assert.deepEqual(
        numbers,
        [...numbers].sort((a, b) => a - b),
      );
      assert.equal(numbers.includes(7), false);
    });
  });

  describe('migrateToLatest on SQLite', () => {
    let dir: string;
    let db: Db;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mpstack-migration-order-'));
      db = createDatabase({ sqlitePath: join(dir, 'mpstack.db') });
    });
    afterEach(async () => {
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    });

    it('runs them in number order', async () => {
      const ran: string[] = [];
      const list = orderMigrations(listOf(ran, '0002-b', '0003-c', '0001-a'));
      assert.deepEqual(await migrateToLatest(db, list), { applied: ['0001-a', '0002-b', '0003-c'] });
      assert.deepEqual(ran, ['0001-a', '0002-b', '0003-c']);
    });

    it('refuses a migration numbered below one the database already ran, and runs nothing', async () => {
      const ran: string[] = [];
      await migrateToLatest(db, orderMigrations(listOf(ran, '0001-a', '0003-c'), new Set([2])));
      await assert.rejects(
        migrateToLatest(db, orderMigrations(listOf(ran, '0001-a', '0002-b', '0003-c', '0004-d'))),
        (error: Error) => {
          assert.match(error.message, /^migrations could not run: corrupted migrations: .*0003-c.*0002-b/);
          return true;
        },
      );
      assert.deepEqual(ran, ['0001-a', '0003-c']);
    });
  });
});
