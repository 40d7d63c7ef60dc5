import { type BinlogTransaction, fingerprintOf, isFirstBootTransaction } from './binlog.js';
import type { AckProof, DecisionInput, MysqlState, PodObservation } from './decision-types.js';
import {
  describeGtidSet,
  emptyGtidSet,
  errantTransactions,
  type GtidSet,
  gtidSetFrom,
  isEmptyGtidSet,
  isGtidSubset,
} from './gtid.js';

/**
 * The evidence behind the three things the decision does on its own that could lose data if
 * it were wrong: adopting first-boot transactions at bootstrap, re-seeding a returning
 * ex-writer, and switching a writer's semi-sync off. Pure, like the decision.
 */

const gtidOf = (o: PodObservation): GtidSet => o.gtidExecuted ?? emptyGtidSet;

/** The GTID source a printed GTID belongs to: MariaDB `d-s-n` → `d`, MySQL `uuid[:tag]:n` → `uuid[:tag]`. */
export function sourceOfGtid(gtid: string): string {
  const mariadb = /^(\d+)-\d+-\d+$/.exec(gtid);
  if (mariadb !== null) return mariadb[1] ?? '';
  return gtid.slice(0, gtid.lastIndexOf(':')).toLowerCase();
}

/** Printed GTIDs as a set of single transactions. */
export function gtidSetOfPrinted(gtids: readonly string[]): GtidSet {
  return gtidSetFrom(
    gtids.map((g) => {
      const n = Number(/(\d+)$/.exec(g)?.[1] ?? 'NaN');
      return [sourceOfGtid(g), Number.isFinite(n) && n > 0 ? [[n, n] as const] : []] as const;
    }),
  );
}

function own(o: PodObservation, binlog: readonly BinlogTransaction[]): string[] {
  return binlog.filter((t) => sourceOfGtid(t.gtid) === o.ownSource).map(fingerprintOf);
}

/**
 * Before the first writer is chosen, both pods may hold transactions the other lacks: each
 * image's entrypoint logged its first-boot statements (the application database, its
 * account, grants; on MySQL also the time-zone tables) under its own GTIDs. Replicating them
 * fails both ways (the account exists: error 1396). They are the same work done twice when
 * every transaction in both logs is first-boot work, both pods did the same own first-boot
 * work in the same order, and whatever a pod holds from the peer the peer holds too (an
 * earlier half-done replication attempt). Then each pod may record the other's as executed
 * without applying it. Anything else is a divergence only a human can judge: the reason is
 * returned instead.
 */
export function firstBootDivergence(a: PodObservation, b: PodObservation): string | null {
  for (const o of [a, b]) {
    if (o.binlog === undefined) return `${o.pod}: binary log not read`;
    if (o.binlog === null) return `${o.pod}: binary log too long to be a first boot`;
    const other = o.binlog.find((t) => !isFirstBootTransaction(t));
    if (other !== undefined) {
      return `${o.pod}: transaction ${other.gtid} is not first-boot work (${[...other.statements, ...other.rowTables].join('; ') || 'empty'})`;
    }
  }
  const [ownA, ownB] = [own(a, a.binlog ?? []), own(b, b.binlog ?? [])];
  if (JSON.stringify(ownA) !== JSON.stringify(ownB)) {
    return `${a.pod} and ${b.pod} ran different first-boot statements (${ownA.length} vs ${ownB.length} transactions)`;
  }
  for (const [o, peer] of [
    [a, b],
    [b, a],
  ] as const) {
    const foreign = errantTransactions(gtidOf(o), gtidOf(peer));
    const keys = [...foreign.keys()].filter((k) => k !== o.ownSource);
    if (keys.length > 0) return `${o.pod} holds ${describeGtidSet(foreign)} that ${peer.pod} lacks`;
  }
  return null;
}

/** Why the pair cannot bootstrap as it is, or null. Only when both hold what the other lacks. */
export function bootstrapBlocker(writer: PodObservation, passive: PodObservation): string | null {
  const [a, b] = [gtidOf(writer), gtidOf(passive)];
  if (isGtidSubset(a, b) || isGtidSubset(b, a)) return null;
  return firstBootDivergence(writer, passive);
}

/** True when the pair needs its first-boot transactions adopted (both hold what the other lacks). */
export function needsFirstBootAdoption(writer: PodObservation, passive: PodObservation): boolean {
  const [a, b] = [gtidOf(writer), gtidOf(passive)];
  return !isGtidSubset(a, b) && !isGtidSubset(b, a);
}

/** Semi-sync is in force on `o` with no fallback to asynchronous commits before `timeoutMs`. */
function isAckGuarded(o: PodObservation, timeoutMs: number): boolean {
  const s = o.semiSync;
  return s?.enabled === true && s.active && s.waitsWithoutReplica && s.timeoutMs >= timeoutMs;
}

/**
 * The proof map after this round. The writer's entry is renewed when semi-sync is guarded and
 * the passive has received everything the writer had logged (read after the writer's
 * position): from then on a commit can only be acknowledged with the passive's receipt until
 * a commit has waited `ackTimeoutMs`. It is dropped when semi-sync is seen not guarded.
 * Entries survive for the writer and fenced ex-writers only.
 */
export function nextAckProof(input: DecisionInput, state: MysqlState, writer: PodObservation, passive: PodObservation) {
  const timeout = input.settings.ackTimeoutMs;
  const proof: Record<string, AckProof> = {};
  if (timeout === null) return proof;
  for (const [pod, at] of Object.entries(state.ackProof ?? {})) {
    if (pod === writer.pod || state.fenced.includes(pod)) proof[pod] = at;
  }
  if (!writer.reachable || writer.semiSync === undefined) return proof;
  if (!isAckGuarded(writer, timeout)) {
    delete proof[writer.pod];
    return proof;
  }
  const received = passive.reachable && !state.fenced.includes(passive.pod) ? passive.received : undefined;
  const at = writer.binlogPosition;
  if (received !== undefined && at !== undefined && isGtidSubset(gtidOf(writer), received)) {
    proof[writer.pod] = { at: input.observedAt ?? input.now, file: at.file, pos: at.pos };
  }
  return proof;
}

/**
 * Why the returning ex-writer `o` may be re-seeded from `writer` (discarding what it holds
 * that the writer lacks), or null when it may not. Safe when it holds nothing extra (it only
 * lacks some of its own transactions), or when the extra ones are provably never
 * acknowledged: its last proof is dated P, its process restarted before P + ackTimeoutMs
 * (so the process that was the writer stopped before any commit could have waited out the
 * timeout: every commit it acknowledged had reached the peer first), and every extra
 * transaction is in the proof's binlog file after the proof's position (so that process
 * logged it — not a later one, where an administrator may have written to the fenced pod).
 */
export function reseedReason(input: DecisionInput, state: MysqlState, o: PodObservation, writer: PodObservation) {
  const errant = errantTransactions(gtidOf(o), gtidOf(writer));
  if (isEmptyGtidSet(errant)) return `${o.pod} lacks some of its own transactions that ${writer.pod} has`;
  const timeout = input.settings.ackTimeoutMs;
  const proof = state.ackProof?.[o.pod];
  if (timeout === null || proof === undefined || o.startedAt === undefined) return null;
  if ([...errant.keys()].some((k) => k !== o.ownSource)) return null;
  if (o.startedAt >= proof.at + timeout) return null;
  if (o.loggedSinceProof === undefined || o.loggedSinceProof === null) return null;
  if (!isGtidSubset(errant, gtidSetOfPrinted(o.loggedSinceProof))) return null;
  return `${o.pod}'s transactions ${describeGtidSet(errant)} were never acknowledged (logged after its semi-sync proof, restarted ${Math.round((o.startedAt - proof.at) / 1000)} s after it, timeout ${timeout / 1000} s)`;
}
