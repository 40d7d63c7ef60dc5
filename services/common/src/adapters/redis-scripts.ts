/**
 * Lua scripts behind the Redis coordination adapter. Each domain operation is one script so
 * that it is atomic and costs one round trip (EVALSHA through ioredis `defineCommand`).
 */

/**
 * A claimed message key holds either the stored reply or a lease:
 * `STATE_PREFIX "lease:" fence ":" expiresAtMs ":" holder`, with the expiry on the Redis
 * clock (`TIME`), so every replica judges it alike. A value with the prefix is not a reply.
 */
export const STATE_PREFIX = '\u0000mpstack:';

/**
 * Shared by the scripts: `now()` (server milliseconds, read once per call) and
 * `lease(value)` → fence, expiresAt, holder of a lease value, or nil for a reply. A value
 * with the prefix but not the lease layout (the pending marker of an older release) is an
 * expired lease of fence 0, so it is taken over.
 */
const LEASE_LUA = `
local PREFIX = '\\0mpstack:'
local clock
local function now()
  if not clock then
    local t = redis.call('TIME')
    clock = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return clock
end
local function lease(value)
  if string.sub(value, 1, #PREFIX) ~= PREFIX then return nil end
  local fence, expires, holder = string.match(string.sub(value, #PREFIX + 1), '^lease:(%d+):(%d+):(.*)$')
  if fence == nil then return 0, 0, '' end
  return tonumber(fence), tonumber(expires), holder
end
local function leaseValue(fence, ms, holder)
  return PREFIX .. 'lease:' .. fence .. ':' .. (now() + ms) .. ':' .. holder
end
`;

/**
 * `claimOne(message, ttl, ms, holder, reply)`: the claim of one message key, shared by the
 * single-node script and the Cluster one. Returns `{'claimed', fence}` or
 * `{'duplicate', storedReply | false}` (false: a live lease). Lease ms 0 means "the reply is
 * given: store it instead of a lease". A lease whose holder claims again is given back (its
 * claim was applied late); an expired one is taken over with the next fence.
 */
const CLAIM_ONE_LUA = `
local function claimOne(message, ttl, ms, holder, reply)
  if redis.call('SET', message, ms > 0 and leaseValue(1, ms, holder) or reply, 'NX', 'EX', ttl) then
    return {'claimed', 1}
  end
  local stored = redis.call('GET', message)
  local fence, expires, owner = lease(stored)
  if fence == nil then
    return {'duplicate', stored}
  elseif owner == holder and ms > 0 then
    redis.call('SET', message, leaseValue(fence, ms, holder), 'KEEPTTL')
    return {'claimed', fence}
  elseif expires <= now() then
    redis.call('SET', message, ms > 0 and leaseValue(fence + 1, ms, holder) or reply, 'KEEPTTL')
    return {'claimed', fence + 1}
  end
  return {'duplicate', false}
end
`;

/**
 * Claims a batch of messages in one round trip. KEYS: nonce₁, message₁, nonce₂, message₂, …
 * ARGV per claim: ttl, lease ms, holder, reply. Returns one row per claim:
 * `{'nonce_replayed'}` or the row of `claimOne`. The nonce remembers which message used it:
 * a WeChat retry reusing the nonce of the same message is a duplicate, the same nonce on
 * another message is a replay.
 */
const CLAIM_MESSAGES = `${LEASE_LUA}${CLAIM_ONE_LUA}
local results = {}
local a = 1
for i = 1, #KEYS, 2 do
  local nonce, message = KEYS[i], KEYS[i + 1]
  local ttl, ms, holder, reply = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2], ARGV[a + 3]
  a = a + 4
  -- SET … NX GET (Redis 7): remembers the nonce and returns what it held, in one command.
  local seen = redis.call('SET', nonce, message, 'NX', 'GET', 'EX', ttl)
  if seen and seen ~= message then
    results[#results + 1] = {'nonce_replayed'}
  else
    results[#results + 1] = claimOne(message, ttl, ms, holder, reply)
  end
end
return results
`;

/**
 * Redis Cluster: a nonce and its message hash to different slots (each is found by its own
 * identity: a replay carries another message, a re-delivery another nonce), so the claim is
 * two steps — nonces first, then the messages whose nonce passed — each batched per node.
 * Declared keys must share a slot, so a batch declares its first key (which routes it to
 * the node) and passes every key in ARGV; `allow-cross-slot-keys` lets the script touch the
 * node's other slots, and a key the node does not serve (a resharding) fails the batch.
 *
 * Nonces. KEYS: the first nonce. ARGV: n, then per nonce: key, message, ttl. Returns 1 (fresh,
 * or the same message's re-delivery) or 0 (a replay) per nonce.
 */
const CLUSTER_NONCES = `#!lua flags=allow-cross-slot-keys
local n = tonumber(ARGV[1])
local results = {}
for i = 0, n - 1 do
  local key, message, ttl = ARGV[2 + i * 3], ARGV[3 + i * 3], ARGV[4 + i * 3]
  local seen = redis.call('SET', key, message, 'NX', 'GET', 'EX', ttl)
  results[#results + 1] = (seen and seen ~= message) and 0 or 1
end
return results
`;

/** Cluster messages. KEYS: the first message key. ARGV: n, then per claim: key, ttl, lease ms, holder, reply. */
const CLUSTER_CLAIMS = `#!lua flags=allow-cross-slot-keys${LEASE_LUA}${CLAIM_ONE_LUA}
local n = tonumber(ARGV[1])
local results = {}
for i = 0, n - 1 do
  local b = 2 + i * 5
  results[#results + 1] = claimOne(ARGV[b], ARGV[b + 1], tonumber(ARGV[b + 2]), ARGV[b + 3], ARGV[b + 4])
end
return results
`;

/** KEYS: message. ARGV: fence, lease ms, holder. Extends the lease while `fence` holds it; 1 or 0. */
const RENEW_CLAIM = `${LEASE_LUA}
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
local fence = lease(stored)
if fence ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], leaseValue(fence, tonumber(ARGV[2]), ARGV[3]), 'KEEPTTL')
return 1
`;

/**
 * KEYS: message. ARGV: reply, ttl seconds, fence. Replaces the lease of `fence` by the reply,
 * keeping the claim's TTL (retries stop when the claim expires anyway); a claim that expired
 * meanwhile is recreated with the given TTL so later retries still replay the reply. 0 when
 * another holder has the claim or a reply is stored already (fenced out: nothing written).
 */
const STORE_REPLY = `${LEASE_LUA}
local stored = redis.call('GET', KEYS[1])
if not stored then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
if lease(stored) ~= tonumber(ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
return 1
`;

/** KEYS: message. ARGV: fence. Expires the lease of `fence` at once (the fence is kept, so the next holder gets fence + 1). */
const RELEASE_MESSAGE = `${LEASE_LUA}
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
local fence = lease(stored)
if fence ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], PREFIX .. 'lease:' .. fence .. ':0:', 'KEEPTTL')
return 1
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

/**
 * A console session: a hash of the payload (`p`) and its absolute end on the server's clock
 * (`a`, ms). ARGV: payload, idle ms, absolute ms.
 */
const OPEN_SESSION = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local idle = tonumber(ARGV[2])
local absolute = tonumber(ARGV[3])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'p', ARGV[1], 'a', now + absolute)
redis.call('PEXPIRE', KEYS[1], math.min(idle, absolute))
return 1
`;

/** Returns the payload and restarts the idle expiry, never past the absolute end. ARGV: idle ms. */
const TOUCH_SESSION = `
local fields = redis.call('HMGET', KEYS[1], 'p', 'a')
if not fields[1] or not fields[2] then return false end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local remaining = tonumber(fields[2]) - now
if remaining <= 0 then
  redis.call('DEL', KEYS[1])
  return false
end
redis.call('PEXPIRE', KEYS[1], math.min(tonumber(ARGV[1]), remaining))
return fields[1]
`;

/** Counts a failure; the window starts at the first one. ARGV: window ms. */
const RECORD_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1])) end
return n
`;

export const SCRIPTS = {
  mpClaimMessages: { numberOfKeys: undefined, lua: CLAIM_MESSAGES },
  mpClusterNonces: { numberOfKeys: 1, lua: CLUSTER_NONCES },
  mpClusterClaims: { numberOfKeys: 1, lua: CLUSTER_CLAIMS },
  mpRenewClaim: { numberOfKeys: 1, lua: RENEW_CLAIM },
  mpStoreReply: { numberOfKeys: 1, lua: STORE_REPLY },
  mpReleaseMessage: { numberOfKeys: 1, lua: RELEASE_MESSAGE },
  mpTakeToken: { numberOfKeys: 1, lua: TAKE_TOKEN },
  mpOpenSession: { numberOfKeys: 1, lua: OPEN_SESSION },
  mpTouchSession: { numberOfKeys: 1, lua: TOUCH_SESSION },
  mpRecordFailure: { numberOfKeys: 1, lua: RECORD_FAILURE },
} as const;

/** The commands {@link SCRIPTS} adds to an ioredis client. */
export interface ScriptCommands {
  /** Variadic: the key count first, then the keys, then the arguments. */
  mpClaimMessages(...keysThenArgs: Array<string | number>): Promise<Array<Array<string | number | null>>>;
  mpClusterNonces(firstKey: string, ...args: Array<string | number>): Promise<number[]>;
  mpClusterClaims(firstKey: string, ...args: Array<string | number>): Promise<Array<Array<string | number | null>>>;
  mpRenewClaim(messageKey: string, fence: number, leaseMs: number, holder: string): Promise<number>;
  mpStoreReply(messageKey: string, reply: string, ttl: number, fence: number): Promise<number>;
  mpReleaseMessage(messageKey: string, fence: number): Promise<number>;
  mpTakeToken(bucketKey: string, rate: number, burst: number): Promise<number>;
  mpOpenSession(sessionKey: string, payload: string, idleMs: number, absoluteMs: number): Promise<number>;
  mpTouchSession(sessionKey: string, idleMs: number): Promise<string | null>;
  mpRecordFailure(failureKey: string, windowMs: number): Promise<number>;
}
