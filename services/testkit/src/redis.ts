import { Redis } from 'ioredis';

export const REDIS_URL = process.env['MPSTACK_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Deletes every key under a test's unique prefix. */
export async function deleteKeys(prefix: string): Promise<void> {
  const admin = new Redis(REDIS_URL);
  try {
    for await (const keys of admin.scanStream({ match: `${prefix}*`, count: 500 })) {
      if ((keys as string[]).length > 0) await admin.del(...(keys as string[]));
    }
  } finally {
    admin.disconnect();
  }
}
