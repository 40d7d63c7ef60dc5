/**
 * Lua scripts behind the Redis coordination adapter. Each domain operation is one script so
 * that it is atomic and costs one round trip (EVALSHA through ioredis `defineCommand`).
 */

/** Value of a claimed message key while the first delivery is still running. */
export const PENDING_MARKER = '\u0000mpstack:pending';

/**
 * Claims a batch of messages in one round trip. KEYS: nonce₁, message₁, nonce₂, message₂, …
 * ARGV: ttl₁, initial₁, ttl₂, initial₂, … where initial is the pending marker, or the reply
 * when the caller computed it before claiming. Returns one `{status[, stored]}` per claim:
 * `{'nonce_replayed'}`, `{'claimed'}` or `{'duplicate', storedValue}`.
 * The nonce remembers which message used it: a WeChat retry reusing the nonce of the same
 * message is a duplicate, the same nonce on another message is a replay.
 */
const CLAIM_MESSAGES = `
local results = {}
for i = 1, #KEYS, 2 do
  local nonce, message = KEYS[i], KEYS[i + 1]
  local ttl, initial = ARGV[i], ARGV[i + 1]
  -- SET … NX GET (Redis 7): remembers the nonce and returns what it held, in one command.
  local seen = redis.call('SET', nonce, message, 'NX', 'GET', 'EX', ttl)
  if seen and seen ~= message then
    results[#results + 1] = {'nonce_replayed'}
  else
    if redis.call('SET', message, initial, 'NX', 'EX', ttl) then
      results[#results + 1] = {'claimed'}
    else
      results[#results + 1] = {'duplicate', redis.call('GET', message)}
    end
  end
end
return results
`;

/**
 * KEYS: message. ARGV: reply, ttl seconds. Overwrites the pending marker keeping the claim's
 * TTL (retries stop when the claim expires anyway); a claim that expired meanwhile is
 * recreated with the given TTL so later retries still replay the reply.
 */
const STORE_REPLY = `
if redis.call('SET', KEYS[1], ARGV[1], 'XX', 'KEEPTTL') then return 1 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 0
`;

/** KEYS: message. ARGV: pending marker. Deletes the claim only while it is still pending. */
const RELEASE_MESSAGE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * KEYS: bucket. ARGV: rate per second, burst. Token bucket on the server clock (`TIME`), so
 * every replica shares one notion of time. Takes a token when one is available and returns
 * 0; otherwise takes nothing and returns the milliseconds until one will be.
 */
const TAKE_TOKEN = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) else now = ts end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
`;

export const SCRIPTS = {
  mpClaimMessages: { numberOfKeys: undefined, lua: CLAIM_MESSAGES },
  mpStoreReply: { numberOfKeys: 1, lua: STORE_REPLY },
  mpReleaseMessage: { numberOfKeys: 1, lua: RELEASE_MESSAGE },
  mpTakeToken: { numberOfKeys: 1, lua: TAKE_TOKEN },
} as const;

/** The commands {@link SCRIPTS} adds to an ioredis client. */
export interface ScriptCommands {
  /** Variadic: the key count first, then the keys, then the arguments. */
  mpClaimMessages(...keysThenArgs: Array<string | number>): Promise<string[][]>;
  mpStoreReply(messageKey: string, reply: string, ttl: number): Promise<number>;
  mpReleaseMessage(messageKey: string, pending: string): Promise<number>;
  mpTakeToken(bucketKey: string, rate: number, burst: number): Promise<number>;
}
