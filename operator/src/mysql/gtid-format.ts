import { describeGtidSet, type GtidSet, gtidSetFrom, type Interval } from './gtid.js';

/**
 * Parsers and printers for the two wire formats of GTID state. MySQL prints
 * `@@gtid_executed` as `uuid:1-5:7-9,uuid2:1-3` (with newlines after commas, and in 8.4
 * optional `:tag` segments that apply to the intervals after them); MariaDB prints
 * positions as `domain-server-seq` lists, one entry per domain.
 */

/** Thrown when a server returns GTID text we cannot read; never guessed around. */
export class GtidParseError extends Error {
  constructor(
    readonly text: string,
    reason: string,
  ) {
    super(`cannot parse GTID text ${JSON.stringify(text)}: ${reason}`);
    this.name = 'GtidParseError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTERVAL = /^(\d+)(?:-(\d+))?$/;
const TAG = /^[a-z_][a-z0-9_]{0,31}$/i;

function parseInterval(text: string, part: string): Interval {
  const m = INTERVAL.exec(part);
  if (m === null) throw new GtidParseError(text, `bad interval ${part}`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < 1 || end < start) throw new GtidParseError(text, `bad interval ${part}`);
  return [start, end];
}

function parseMysqlElement(text: string, element: string): [string, Interval[]][] {
  const [uuid, ...parts] = element.split(':').map((p) => p.trim());
  if (uuid === undefined || !UUID.test(uuid)) throw new GtidParseError(text, `bad source ${uuid ?? ''}`);
  const entries: [string, Interval[]][] = [];
  let key = uuid.toLowerCase();
  for (const part of parts) {
    if (TAG.test(part)) {
      key = `${uuid.toLowerCase()}:${part.toLowerCase()}`;
      continue;
    }
    entries.push([key, [parseInterval(text, part)]]);
  }
  return entries;
}

/** Parses a MySQL GTID set (`@@gtid_executed`, `Retrieved_Gtid_Set`, …). */
export function parseMysqlGtidSet(text: string): GtidSet {
  const elements = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  return gtidSetFrom(elements.flatMap((e) => parseMysqlElement(text, e)));
}

/** Prints a set in MySQL syntax, keys sorted, so equal sets print equally. */
export function formatMysqlGtidSet(set: GtidSet): string {
  return describeGtidSet(set);
}

/** One entry of a MariaDB GTID position: the last transaction seen in a domain. */
export interface MariadbGtid {
  readonly domain: number;
  readonly server: number;
  readonly seq: number;
}

const MARIADB_GTID = /^(\d+)-(\d+)-(\d+)$/;

/** Parses `@@gtid_binlog_pos` / `@@gtid_slave_pos` / `@@gtid_current_pos` text. */
export function parseMariadbPosition(text: string): readonly MariadbGtid[] {
  const byDomain = new Map<number, MariadbGtid>();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry.length === 0) continue;
    const m = MARIADB_GTID.exec(entry);
    if (m === null) throw new GtidParseError(text, `bad entry ${entry}`);
    const gtid = { domain: Number(m[1]), server: Number(m[2]), seq: Number(m[3]) };
    if (byDomain.has(gtid.domain)) throw new GtidParseError(text, `domain ${gtid.domain} twice`);
    byDomain.set(gtid.domain, gtid);
  }
  return [...byDomain.values()].sort((a, b) => a.domain - b.domain);
}

/** Prints a MariaDB position, domains ascending. */
export function formatMariadbPosition(position: readonly MariadbGtid[]): string {
  return [...position]
    .sort((a, b) => a.domain - b.domain)
    .map((g) => `${g.domain}-${g.server}-${g.seq}`)
    .join(',');
}

/**
 * A MariaDB position as a set: domain d at seq n holds transactions 1..n of domain d. This
 * is exact when each domain is written by one server, which the StatefulSet guarantees by
 * giving each pod its own `gtid_domain_id`.
 */
export function mariadbPositionToSet(position: readonly MariadbGtid[]): GtidSet {
  return gtidSetFrom(position.filter((g) => g.seq > 0).map((g) => [String(g.domain), [[1, g.seq]]] as const));
}

/** Parses MariaDB position text straight into a set. */
export function parseMariadbGtidSet(text: string): GtidSet {
  return mariadbPositionToSet(parseMariadbPosition(text));
}
