/**
 * What a long push benchmark needs to be followed and checked at 1,000,000 recipients:
 * the upload streamed through the real API (the CSV is never one string), the push's progress
 * read from its row in the push list (not `GET /pushes/:id`, whose counts group every
 * recipient row), the simulator's sends tallied per recipient in a byte each, and a progress
 * line every 10 s.
 */
import { request } from 'node:http';
import { Readable } from 'node:stream';
import type { RunningSimulator } from '@mpstack/simulators';
import { api, type PushRow } from '../../support/outbound-api.js';
import { pushTemplate } from '../../support/outbound-stand.js';

export type { PushRow };

/** The latest push of `account`, or undefined when the business service does not answer. */
export async function latestPush(base: string, account: string): Promise<PushRow | undefined> {
  try {
    const response = await fetch(`${base}/api/pushes?account=${encodeURIComponent(account)}&limit=1`, {
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) return undefined;
    return ((await response.json()) as { pushes: PushRow[] }).pushes[0];
  } catch {
    return undefined;
  }
}

/**
 * Creates a push of followers `openId(0 … n-1)` and uploads them as a CSV streamed in chunks
 * through `PUT /api/pushes/:id/recipients` (node:http: no client timeout, a 1 M-row upload
 * takes minutes); `onRows` is told the rows written so far. Starts it; returns its id.
 */
export async function startStreamedPush(
  base: string,
  account: string,
  n: number,
  openId: (i: number) => string,
  onRows: (rows: number) => void,
): Promise<{ id: number; accepted: number }> {
  const push = await api<{ id: number }>(base, 'POST', '/pushes', {
    account,
    name: `push-kill ${n}`,
    templateId: pushTemplate,
    fields: { keyword1: '{{name}}', keyword2: '订单 {{order}}' },
  });
  function* csv(): Generator<Buffer> {
    yield Buffer.from('openid,name,order\n');
    for (let from = 0; from < n; from += 5000) {
      const lines: string[] = [];
      for (let i = from; i < Math.min(n, from + 5000); i++) lines.push(`${openId(i)},用户${i},${1000 + i}\n`);
      onRows(from + lines.length);
      yield Buffer.from(lines.join(''));
    }
  }
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${base}/api/pushes/${push.id}/recipients`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    Readable.from(csv()).pipe(req);
  });
  if (status !== 200) throw new Error(`upload → ${status}: ${body}`);
  const { accepted } = JSON.parse(body) as { accepted: number };
  await api(base, 'POST', `/pushes/${push.id}/start`, {});
  return { id: push.id, accepted };
}

/**
 * The simulator's accepted template sends of one account, from its per-openid counts: followers
 * (`oFollower` + 19 digits) sent once, never, or more than once; sends to any other openid are
 * counted as `outside`.
 */
export class SimulatorTally {
  constructor(
    private readonly simulator: RunningSimulator,
    private readonly appId: string,
    readonly recipients: number,
  ) {}

  /** How many sends the simulator accepted in all. */
  update(): number {
    return this.simulator.state.templateSendCounts(this.appId).total;
  }

  /** Followers sent once or more, never sent, and sent more than once; sends to other openids. */
  summary(): { distinct: number; lost: number; duplicated: number; sends: number; outside: number } {
    const { total, perOpenid } = this.simulator.state.templateSendCounts(this.appId);
    let distinct = 0;
    let duplicated = 0;
    let outside = 0;
    for (const [openid, n] of perOpenid) {
      const index = /^oFollower\d{19}$/.test(openid) ? Number(openid.slice(9)) : -1;
      if (index < 0 || index >= this.recipients) {
        outside += n;
        continue;
      }
      distinct += 1;
      if (n > 1) duplicated += 1;
    }
    return { distinct, lost: this.recipients - distinct, duplicated, sends: total, outside };
  }
}

/** Where the benchmark is, as the progress line prints it. */
export interface ProgressState {
  phase: string;
  uploaded: number;
  sent: number;
  failed: number;
  receipts: number;
}

const clock = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * Prints a progress line every `everyMs` (and on demand); stop() ends it. `atSimulator` counts
 * the sends the simulator accepted so far.
 */
export function startProgress(state: ProgressState, recipients: number, atSimulator: () => number, everyMs = 10_000) {
  const started = performance.now();
  let last = { at: started, done: 0 };
  const line = () => {
    const now = performance.now();
    const done = state.sent + state.failed;
    const rate = now > last.at ? ((done - last.done) * 1000) / (now - last.at) : 0;
    last = { at: now, done };
    const left = recipients - done;
    const eta = rate > 0 ? clock(left / rate) : '-';
    const upload = state.phase === 'uploading' ? ` uploaded ${count(state.uploaded)} rows` : '';
    const receipts = state.phase === 'draining receipts' ? ` receipts joined ${count(state.receipts)}` : '';
    console.log(
      `${new Date().toISOString().slice(11, 19)} +${clock((now - started) / 1000)} ${state.phase}:${upload}` +
        ` sent ${count(state.sent)} failed ${count(state.failed)} rate ${rate.toFixed(0)}/s ETA ${eta}` +
        ` simulator ${count(atSimulator())}${receipts}`,
    );
  };
  const timer = setInterval(line, everyMs);
  return {
    line,
    elapsedSeconds: () => (performance.now() - started) / 1000,
    stop: () => clearInterval(timer),
  };
}
