/**
 * One API-client replica in its own process, for the multi-process token test: it calls
 * WeChat (the simulator) in a loop for `WX_REPLICA_MS` through a Redis coordination under
 * `WX_REPLICA_PREFIX`, then prints `{ calls, errors }` as one JSON line and exits.
 */
import { RedisCoordination } from '@mpstack/common/adapters';
import { createWeChatApiClient, type TokenMode } from '@mpstack/common/wechat-api';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
};

const appId = env('WX_REPLICA_APPID');
const coordination = new RedisCoordination({ url: env('WX_REPLICA_REDIS'), keyPrefix: env('WX_REPLICA_PREFIX') });
const client = createWeChatApiClient(
  {
    bases: [env('WX_REPLICA_SIM')],
    tokenMode: env('WX_REPLICA_MODE') as TokenMode,
    refreshAheadMs: Number(env('WX_REPLICA_AHEAD_MS')),
    localCacheMs: 200,
    tokenWaitMs: 10_000,
  },
  { coordination, secrets: { appSecret: async () => env('WX_REPLICA_SECRET') } },
);
const errors: string[] = [];
let calls = 0;
const endAt = Date.now() + Number(env('WX_REPLICA_MS'));
while (Date.now() < endAt) {
  try {
    await client.call(appId, 'getFollowers');
  } catch (error) {
    errors.push(error instanceof Error ? error.message : String(error));
  }
  calls += 1;
  await new Promise((resolve) => setTimeout(resolve, 5));
}
await client.close();
await coordination.close();
process.stdout.write(`${JSON.stringify({ calls, errors })}\n`);
