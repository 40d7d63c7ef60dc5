import type { Kysely, Migration } from 'kysely';

/**
 * - `accounts.send_limits`: the account's own send rates (template, customer-service, mass: per
 *   second and burst, or off) and daily quota overrides, as JSON (`AccountSendLimits`,
 *   `@mpstack/common/wechat-api`); null — the deployment's `MPSTACK_WECHAT_RATE_*` and quotas.
 *   Set from the console's account page; every business replica follows a change on the
 *   accounts channel.
 * - `mass_sends.attempts` and `next_attempt_at` (ms since the epoch): a `mass/sendall` whose
 *   answer was lost is sent again with the same `clientmsgid` no sooner than WeChat allows
 *   (45066: a minute after the first use), and only by the replica that claimed the attempt.
 */
export const sendLimitsAndMassRetries: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('accounts').addColumn('send_limits', 'text').execute();
    await db.schema
      .alterTable('mass_sends')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('mass_sends').addColumn('next_attempt_at', 'bigint').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('mass_sends').dropColumn('next_attempt_at').execute();
    await db.schema.alterTable('mass_sends').dropColumn('attempts').execute();
    await db.schema.alterTable('accounts').dropColumn('send_limits').execute();
  },
};
