import type { KubeSignal, PodObservation } from './decision-types.js';
import type { SqlSession } from './dialect.js';
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

async function probe(options: DriverOptions, pod: string, kube: KubeSignal): Promise<PodObservation> {
  return withSession(options, pod, async (session) => {
    const { dialect } = options;
    const readOnly = await dialect.readReadOnly(session);
    const gtidExecuted = await dialect.readGtidExecuted(session);
    const ownSource = await dialect.readOwnSource(session);
    const replica = await dialect.replicaStatus(session);
    const replicaSource = sourcePod(options, replica.sourceHost, replica.sourcePort);
    return { pod, reachable: true, kube, readOnly, gtidExecuted, ownSource, replica, replicaSource };
  });
}

/**
 * One probe round: every pod is probed in parallel, each bounded by `probeTimeoutMs`; a
 * failed probe is an observation (`reachable: false`), never an exception.
 */
export async function observeMysql(
  options: DriverOptions,
  kube: Readonly<Record<string, KubeSignal>>,
): Promise<PodObservation[]> {
  return Promise.all(
    options.endpoints.map(async ({ pod }) => {
      const signal = kube[pod] ?? 'absent';
      try {
        return await withTimeout(options.probeTimeoutMs, `probe of ${pod}`, probe(options, pod, signal));
      } catch (error) {
        return { pod, reachable: false, kube: signal, probeError: (error as Error).message };
      }
    }),
  );
}
