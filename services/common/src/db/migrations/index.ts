import type { Migration, MigrationProvider } from 'kysely';
import { accountsAndRules } from './0001-accounts-and-rules.js';
import { spooledMessages } from './0002-spooled-messages.js';
import { logTables } from './0003-log-tables.js';
import { adminUsersAndAudit } from './0004-admin-users-and-audit.js';
import { accountsDisabled } from './0005-accounts-disabled.js';
import { logTextIndex } from './0006-log-text-index.js';
import { outbound } from './0008-outbound.js';
import { wechatTemplates } from './0009-wechat-templates.js';
import { logSummariesSent } from './0010-log-summaries-sent.js';
import { logRollupSpans } from './0011-log-rollup-spans.js';
import { massReceipts } from './0012-mass-receipts.js';
import { logTextBlocks } from './0013-log-text-blocks.js';
import { logRollupsByMonth } from './0014-log-rollups-by-month.js';
import { logOutboundRollups } from './0015-log-outbound-rollups.js';
import { sendLimitsAndMassRetries } from './0016-send-limits-and-mass-retries.js';
import { pushReceiptCounters } from './0017-push-receipt-counters.js';
import { kefuSends } from './0018-kefu-sends.js';
import { receiptStatusWidth } from './0019-receipt-status-width.js';
import { orderMigrations } from './order.js';

/**
 * Numbers given up for good: 0007 was planned for a feature (numbers were handed out per
 * feature) and never used, and databases have run 0008 since. A new migration takes the
 * number after the highest, never one of these.
 */
const retired = new Set([7]);

/**
 * Every migration, listed here rather than found by scanning a folder: the compiled output
 * (and a bundled CLI) then runs exactly what was built. Names are permanent — they are the
 * keys recorded in `kysely_migration`. Checked and ordered by number when this module loads
 * (a duplicate or skipped number fails here, naming it), and run in that order only.
 */
export const migrations: Readonly<Record<string, Migration>> = orderMigrations(
  {
    '0001-accounts-and-rules': accountsAndRules,
    '0002-spooled-messages': spooledMessages,
    '0003-log-tables': logTables,
    '0004-admin-users-and-audit': adminUsersAndAudit,
    '0005-accounts-disabled': accountsDisabled,
    '0006-log-text-index': logTextIndex,
    '0008-outbound': outbound,
    '0009-wechat-templates': wechatTemplates,
    '0010-log-summaries-sent': logSummariesSent,
    '0011-log-rollup-spans': logRollupSpans,
    '0012-mass-receipts': massReceipts,
    '0013-log-text-blocks': logTextBlocks,
    '0014-log-rollups-by-month': logRollupsByMonth,
    '0015-log-outbound-rollups': logOutboundRollups,
    '0016-send-limits-and-mass-retries': sendLimitsAndMassRetries,
    '0017-push-receipt-counters': pushReceiptCounters,
    '0018-kefu-sends': kefuSends,
    '0019-receipt-status-width': receiptStatusWidth,
  },
  retired,
);

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...migrations }),
};
