import { readBinlogTail, readBinlogTransactions } from './binlog.js';
import type { KubeSignal, PodObservation } from './decision-types.js';
import { readUptimeMs, type SqlSession } from './dialect.js';
import type { DriverOptions, PodEndpoint } from './driver-types.js';

/** Finds a pod's endpoint or throws: an unknown pod name is a programming error. */
export function endpointOf(options: DriverOptions, pod: string): PodEndpoint {
  const endpoint = options.endpoints.find((e) => e.pod === pod);
  if (endpoint === undefined) throw new Error(`unknown MySQL pod ${pod}`);
  return endpoint;
}

/** Rejects after `ms`; the loser's session is closed by the caller's finally. */
export async function withTimeout<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens a session to `pod`, runs `work`, always closes. */
export async function withSession<T>(
  options: DriverOptions,
  pod: string,
  work: (session: SqlSession) => Promise<T>,
): Promise<T> {
  const session = await options.connect(endpointOf(options, pod));
  try {
    return await work(session);
  } finally {
    await session.close().catch(() => undefined);
  }
}

function sourcePod(options: DriverOptions, host: string | null, port: number | null): string | null {
  const match = options.endpoints.find(
    (e) => (e.replicationHost ?? e.host) === host && (e.replicationPort ?? e.port) === port,
  );
  return match?.pod ?? null;
}

/** What else a round reads besides the basics. */
export interface ObserveOptions {
  /** Read the binary logs (bootstrap: nothing was decided yet, the logs hold first-boot work only). */
  readonly readBinlogs?: boolean;
  /** Per pod: read what it logged after this position (fenced ex-writers with a semi-sync proof). */
  readonly tailsFrom?: Readonly<Record<string, { readonly file: string; readonly pos: number }>>;
}

/** Bound on a binlog tail read for the re-seed proof: more than this is not an in-flight remainder. */
const MAX_TAIL_EVENTS = 100_000;

async function probe(options: DriverOptions, pod: string, kube: KubeSignal, extra: ObserveOptions) {
  return withSession(options, pod, async (session): Promise<PodObservation> => {
    const { dialect } = options;
    const readOnly = await dialect.readReadOnly(session);
    // Before the executed set: everything logged before this position is in that set.
    const binlogPosition = await dialect.readBinlogPosition(session);
    const gtidExecuted = await dialect.readGtidExecuted(session);
    const ownSource = await dialect.readOwnSource(session);
    const replica = await dialect.replicaStatus(session);
    const replicaSource = sourcePod(options, replica.sourceHost, replica.sourcePort);
    // Uptime is whole seconds rounded down, so this start time is never earlier than the real one.
    const startedAt = options.now() - (await readUptimeMs(session));
    const semiSync = options.semiSync === null ? undefined : await dialect.readSemiSyncSource(session);
    const binlog = extra.readBinlogs
      ? await readBinlogTransactions(session, options.maxFirstBootEvents ?? 5000)
      : undefined;
    const from = extra.tailsFrom?.[pod];
    const loggedSinceProof =
      from === undefined
        ? undefined
        : await readBinlogTail(session, from.file, from.pos, MAX_TAIL_EVENTS).catch(() => null);
    return {
      pod,
      reachable: true,
      kube,
      readOnly,
      gtidExecuted,
      ownSource,
      replica,
      replicaSource,
      startedAt,
      ...(semiSync === undefined ? {} : { semiSync }),
      ...(binlog === undefined ? {} : { binlog }),
      ...(binlogPosition === null ? {} : { binlogPosition }),
      ...(loggedSinceProof === undefined ? {} : { loggedSinceProof }),
    };
  });
}

/** Second phase: what each pod has received, read after every first-phase read finished. */
async function withReceived(options: DriverOptions, o: PodObservation): Promise<PodObservation> {
  if (!o.reachable || options.semiSync === null) return o;
  try {
    const received = await withTimeout(
      options.probeTimeoutMs,
      `received set of ${o.pod}`,
      withSession(options, o.pod, (s) => options.dialect.readReceived(s)),
    );
    return { ...o, received };
  } catch {
    return o;
  }
}

/**
 * One probe round: every pod is probed in parallel, each bounded by `probeTimeoutMs`; a
 * failed probe is an observation (`reachable: false`), never an exception.
 */
export async function observeMysql(
  options: DriverOptions,
  kube: Readonly<Record<string, KubeSignal>>,
  extra: ObserveOptions = {},
): Promise<PodObservation[]> {
  const first = await Promise.all(
    options.endpoints.map(async ({ pod }): Promise<PodObservation> => {
      const signal = kube[pod] ?? 'absent';
      try {
        return await withTimeout(options.probeTimeoutMs, `probe of ${pod}`, probe(options, pod, signal, extra));
      } catch (error) {
        return { pod, reachable: false, kube: signal, probeError: (error as Error).message };
      }
    }),
  );
  return Promise.all(first.map((o) => withReceived(options, o)));
}
