import { randomUUID } from 'node:crypto';
import { type Db, nowTimestamp, upsertOn } from '@mpstack/common/db';
import { sql } from 'kysely';

/** One acknowledged message waiting for the broker: its queue, id (the dedupe key), headers and body. */
export interface SpooledMessage {
  readonly queue: string;
  readonly messageId: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Rows claimed by one {@link claimSpooledMessages} call, deleted one by one as they are confirmed. */
export interface SpooledClaim {
  readonly messages: readonly (SpooledMessage & { readonly id: number })[];
  /** Deletes one forwarded row; a no-op when the lease was lost to another replica meanwhile. */
  forwarded(id: number): Promise<void>;
  /** Gives the rows not yet forwarded back for the next claim (after a failed publish). */
  release(): Promise<void>;
}

/**
 * Stores a spool in one transaction: all of it or nothing. A message already stored (the
 * same file handed over again after a crash between the commit and deleting the file) is
 * kept once.
 */
export async function handOverSpooledMessages(
  db: Db,
  messages: readonly SpooledMessage[],
  handedOverBy: string,
): Promise<void> {
  if (messages.length === 0) return;
  const at = nowTimestamp();
  await db.transaction().execute(async (trx) => {
    // Chunks keep each statement well under the drivers' placeholder limits.
    for (let i = 0; i < messages.length; i += 200) {
      const rows = messages.slice(i, i + 200).map((m) => ({
        message_id: m.messageId,
        queue: m.queue,
        headers: JSON.stringify(m.headers),
        body: m.body,
        handed_over_by: handedOverBy,
        handed_over_at: at,
      }));
      // Not INSERT IGNORE: it would also turn a real error (a NULL, a truncation) into a warning.
      const insert = trx.insertInto('spooled_messages').values(rows);
      await upsertOn(trx, insert, ['message_id'], 'keep').execute();
    }
  });
}

/**
 * Claims up to `limit` rows nobody holds (or whose holder's lease ran out) with one atomic
 * UPDATE, in hand-over order. Each claim has its own token: a replica whose lease expired
 * cannot delete or release rows another replica claimed since. A message is published twice
 * only when its claimer dies between the broker's confirm and the delete — consumers
 * de-duplicate on the message id.
 */
export async function claimSpooledMessages(db: Db, limit: number, leaseMs: number): Promise<SpooledClaim> {
  const token = randomUUID();
  const now = new Date();
  const until = nowTimestamp(new Date(now.getTime() + leaseMs));
  const free = sql`(claimed_until IS NULL OR claimed_until < ${nowTimestamp(now)})`;
  // One statement for both dialects: MySQL refuses LIMIT directly in an IN subquery and an
  // UPDATE reading its own table, both lifted by the derived table. The outer condition is
  // evaluated again on the locked rows, so of two concurrent claimers only one gets a row.
  await sql`UPDATE spooled_messages SET claimed_by = ${token}, claimed_until = ${until}
    WHERE ${free} AND id IN (SELECT id FROM (SELECT id FROM spooled_messages WHERE ${free} ORDER BY id LIMIT ${limit}) AS picked)`.execute(
    db,
  );
  const rows = await db
    .selectFrom('spooled_messages')
    .selectAll()
    .where('claimed_by', '=', token)
    .orderBy('id')
    .execute();
  return {
    messages: rows.map((row) => ({
      id: Number(row.id),
      queue: row.queue,
      messageId: row.message_id,
      headers: JSON.parse(row.headers) as Record<string, string>,
      body: row.body,
    })),
    async forwarded(id) {
      await db.deleteFrom('spooled_messages').where('id', '=', id).where('claimed_by', '=', token).execute();
    },
    async release() {
      await db
        .updateTable('spooled_messages')
        .set({ claimed_by: null, claimed_until: null })
        .where('claimed_by', '=', token)
        .execute();
    },
  };
}

/** Rows waiting to be forwarded (for metrics and tests). */
export async function countSpooledMessages(db: Db): Promise<number> {
  const row = await db
    .selectFrom('spooled_messages')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
