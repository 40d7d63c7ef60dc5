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

/** Server time in ms; the credential, quota and window scripts judge every expiry on it. */
const NOW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * A shared credential is one hash (one key, so a Cluster needs no tag): v value, exp its
 * expiry (ms, server clock), st stale flag, g generation, lh/lx the writer's lease holder and
 * expiry, f/ra the last failure and when a refresh may be tried again, at when the value was
 * stored. The state tuple: value or false, remaining ms, stale 0/1, generation, failure or
 * false, ms since the value was stored (−1 when unknown).
 */
const CREDENTIAL_LUA = `${NOW_LUA}
local h = redis.call('HMGET', KEYS[1], 'v', 'exp', 'st', 'g', 'lh', 'lx', 'f', 'ra', 'at')
local remaining = 0
if h[1] then remaining = math.max(0, (tonumber(h[2]) or 0) - now) end
local retryAt = tonumber(h[8]) or 0
local failure = false
if h[7] and retryAt > now then failure = h[7] end
local age = -1
if h[1] and h[9] then age = math.max(0, now - tonumber(h[9])) end
local function state()
  return {h[1] or false, remaining, h[3] == '1' and 1 or 0, tonumber(h[4]) or 0, failure, age}
end
local function keepOneDay()
  if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], 86400000) end
end
`;

const READ_CREDENTIAL = `${CREDENTIAL_LUA}
return state()
`;

/** ARGV: holder, lease ms, refresh-ahead ms. Returns claimed 0/1 followed by the state tuple. */
const CLAIM_CREDENTIAL = `${CREDENTIAL_LUA}
local due = (not h[1]) or h[3] == '1' or remaining <= tonumber(ARGV[3])
local leaseFree = (not h[5]) or h[5] == ARGV[1] or (tonumber(h[6]) or 0) <= now
local claimed = 0
if due and leaseFree and retryAt <= now then
  redis.call('HSET', KEYS[1], 'lh', ARGV[1], 'lx', now + tonumber(ARGV[2]))
  keepOneDay()
  claimed = 1
end
local result = state()
table.insert(result, 1, claimed)
return result
`;

/** ARGV: holder, value, expires-in ms. Fenced by the lease; returns the new generation, 0 when fenced out. */
const STORE_CREDENTIAL = `${CREDENTIAL_LUA}
if h[5] ~= ARGV[1] then return 0 end
local expiresIn = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'exp', now + expiresIn, 'st', '0', 'at', now)
redis.call('HDEL', KEYS[1], 'lh', 'lx', 'f', 'ra')
local g = redis.call('HINCRBY', KEYS[1], 'g', 1)
redis.call('PEXPIRE', KEYS[1], expiresIn + 86400000)
return g
`;

/** ARGV: holder, failure ('' none), retry-after ms. */
const RELEASE_CREDENTIAL = `${CREDENTIAL_LUA}
if h[5] ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'lh', 'lx')
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'f', ARGV[2], 'ra', now + tonumber(ARGV[3]))
  keepOneDay()
end
return 1
`;

/** ARGV: the value that failed. Marks stale only if it is still the stored value. */
const MARK_CREDENTIAL_STALE = `
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'st', '1')
return 1
`;

/**
 * ARGV: limit, ttl ms, calls to count (1 when absent). Returns how many were granted (counted;
 * as many as fit under the limit) and the count after.
 */
const CONSUME_QUOTA = `
local used = tonumber(redis.call('GET', KEYS[1])) or 0
local limit = tonumber(ARGV[1])
if used >= limit then return {0, used} end
local granted = math.min(tonumber(ARGV[3] or '1'), limit - used)
local after = redis.call('INCRBY', KEYS[1], granted)
if after == granted then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2])) end
return {granted, after}
`;

/** ARGV: limit, ttl ms. */
const FILL_QUOTA = `
local used = tonumber(redis.call('GET', KEYS[1])) or 0
if used >= tonumber(ARGV[1]) then return used end
if used == 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
else
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
end
return tonumber(ARGV[1])
`;

/**
 * A follower's customer-service windows: one hash, mx/mb/mc the message window's end, budget
 * left and budget it was opened with, ex/eb/ec the click / follow / scan window's; `a:<attempt>`
 * the window (code:end) a send attempt took a message from, until it is given back. `change(key, code, ms, budget)`:
 * code 'c' closes (deletes) the key; 'm' / 'e' opens that window, `ms` from now, with
 * `budget` messages, and keeps the hash while either window is open.
 */
const CHANGE_SERVICE_WINDOW_LUA = `${NOW_LUA}
local function change(key, code, ms, budget)
  if code == 'c' then
    redis.call('DEL', key)
    return
  end
  local ends = now + tonumber(ms)
  redis.call('HSET', key, code .. 'x', ends, code .. 'b', budget, code .. 'c', budget)
  local other = tonumber(redis.call('HGET', key, (code == 'm' and 'e' or 'm') .. 'x')) or 0
  redis.call('PEXPIRE', key, math.max(ends, other) - now + 1000)
end
`;

/** ARGV: kind (m or e), window ms, budget. */
const OPEN_SERVICE_WINDOW = `${CHANGE_SERVICE_WINDOW_LUA}
change(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
return 1
`;

/**
 * Many changes in order (the ingress's batches, see ServiceWindowRecorder). KEYS: the
 * follower keys (one per change); ARGV per change: code, ms, budget.
 */
const RECORD_SERVICE_WINDOWS = `${CHANGE_SERVICE_WINDOW_LUA}
for i = 1, #KEYS do
  local b = (i - 1) * 3
  change(KEYS[i], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3])
end
return #KEYS
`;

/** The same in a Cluster (see CLUSTER_NONCES): KEYS[1] routes; ARGV: n, then per change: key, code, ms, budget. */
const CLUSTER_SERVICE_WINDOWS = `#!lua flags=allow-cross-slot-keys${CHANGE_SERVICE_WINDOW_LUA}
local n = tonumber(ARGV[1])
for i = 0, n - 1 do
  local b = 2 + i * 4
  change(ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3])
end
return n
`;

/**
 * ARGV: the attempt ('' for none). Returns 1 allowed, 2 no window open, 3 every open window's
 * budget used. With an attempt, records `a:<attempt>` = code:end of the window it took from;
 * past 24 fields, the attempts of windows since renewed or ended are dropped (they cannot
 * give back), so a follower's hash stays small.
 */
const TAKE_SERVICE_WINDOW = `${NOW_LUA}
local h = redis.call('HMGET', KEYS[1], 'mx', 'mb', 'ex', 'eb')
local open = {}
local mx, ex = tonumber(h[1]) or 0, tonumber(h[3]) or 0
if mx > now then table.insert(open, {mx, 'm', tonumber(h[2]) or 0, h[1]}) end
if ex > now then table.insert(open, {ex, 'e', tonumber(h[4]) or 0, h[3]}) end
if #open == 0 then return 2 end
table.sort(open, function(a, b) return a[1] < b[1] end)
for _, window in ipairs(open) do
  if window[3] > 0 then
    redis.call('HINCRBY', KEYS[1], window[2] .. 'b', -1)
    local attempt = ARGV[1]
    if attempt and attempt ~= '' then
      if redis.call('HLEN', KEYS[1]) > 24 then
        local current = {['m:' .. tostring(h[1])] = true, ['e:' .. tostring(h[3])] = true}
        for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
          if string.sub(field, 1, 2) == 'a:' and not current[redis.call('HGET', KEYS[1], field)] then
            redis.call('HDEL', KEYS[1], field)
          end
        end
      end
      redis.call('HSET', KEYS[1], 'a:' .. attempt, window[2] .. ':' .. window[4])
    end
    return 1
  end
end
return 3
`;

/**
 * ARGV: the attempt. Gives back the message it took: 1 given, 0 not (unknown or already given
 * back; its window renewed, closed or ended; the budget already whole).
 */
const GIVE_BACK_SERVICE_WINDOW = `${NOW_LUA}
local field = 'a:' .. ARGV[1]
local taken = redis.call('HGET', KEYS[1], field)
if not taken then return 0 end
redis.call('HDEL', KEYS[1], field)
local code, ends = string.sub(taken, 1, 1), string.sub(taken, 3)
local h = redis.call('HMGET', KEYS[1], code .. 'x', code .. 'b', code .. 'c')
if h[1] ~= ends or (tonumber(ends) or 0) <= now then return 0 end
local cap = tonumber(h[3])
if not cap or (tonumber(h[2]) or 0) >= cap then return 0 end
redis.call('HINCRBY', KEYS[1], code .. 'b', 1)
return 1
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
  mpReadCredential: { numberOfKeys: 1, lua: READ_CREDENTIAL },
  mpClaimCredential: { numberOfKeys: 1, lua: CLAIM_CREDENTIAL },
  mpStoreCredential: { numberOfKeys: 1, lua: STORE_CREDENTIAL },
  mpReleaseCredential: { numberOfKeys: 1, lua: RELEASE_CREDENTIAL },
  mpMarkCredentialStale: { numberOfKeys: 1, lua: MARK_CREDENTIAL_STALE },
  mpConsumeQuota: { numberOfKeys: 1, lua: CONSUME_QUOTA },
  mpFillQuota: { numberOfKeys: 1, lua: FILL_QUOTA },
  mpOpenServiceWindow: { numberOfKeys: 1, lua: OPEN_SERVICE_WINDOW },
  mpTakeServiceWindow: { numberOfKeys: 1, lua: TAKE_SERVICE_WINDOW },
  mpGiveBackServiceWindow: { numberOfKeys: 1, lua: GIVE_BACK_SERVICE_WINDOW },
  mpRecordServiceWindows: { numberOfKeys: undefined, lua: RECORD_SERVICE_WINDOWS },
  mpClusterServiceWindows: { numberOfKeys: 1, lua: CLUSTER_SERVICE_WINDOWS },
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
  mpReadCredential(key: string): Promise<CredentialTuple>;
  mpClaimCredential(
    key: string,
    holder: string,
    leaseMs: number,
    aheadMs: number,
  ): Promise<[number, ...CredentialTuple]>;
  mpStoreCredential(key: string, holder: string, value: string, expiresInMs: number): Promise<number>;
  mpReleaseCredential(key: string, holder: string, failure: string, retryAfterMs: number): Promise<number>;
  mpMarkCredentialStale(key: string, value: string): Promise<number>;
  mpConsumeQuota(key: string, limit: number, ttlMs: number, count?: number): Promise<[number, number]>;
  mpFillQuota(key: string, limit: number, ttlMs: number): Promise<number>;
  mpOpenServiceWindow(key: string, kind: 'm' | 'e', windowMs: number, budget: number): Promise<number>;
  mpTakeServiceWindow(key: string, attempt: string): Promise<number>;
  mpGiveBackServiceWindow(key: string, attempt: string): Promise<number>;
  /** Variadic: the key count, the keys, then code, ms, budget per key. */
  mpRecordServiceWindows(...keysThenArgs: Array<string | number>): Promise<number>;
  mpClusterServiceWindows(firstKey: string, ...args: Array<string | number>): Promise<number>;
}

/** value, remaining ms, stale 0/1, generation, failure — see `CREDENTIAL_LUA`. */
export type CredentialTuple = [string | null, number, number, number, string | null, number];
