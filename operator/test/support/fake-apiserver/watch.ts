/**
 * TEST DOUBLE — WATCH on the fake Kubernetes API server: JSON lines of ADDED / MODIFIED /
 * DELETED after the requested resourceVersion (synthetic ADDED for every object when none
 * or "0" is given), and a 410 Gone `ERROR` event followed by the end of the stream when
 * that resourceVersion is older than the retained history, as the real server does.
 */
import type { ServerResponse } from 'node:http';
import type { ResourceRoute } from './routing.js';
import { matchesFields, matchesLabels } from './selectors.js';
import type { ObjectStore, StoreEvent } from './store.js';

/** Streams a watch into `res` until the client leaves, `timeoutSeconds` pass, or the test drops it. */
export function serveWatch(
  store: ObjectStore,
  route: ResourceRoute,
  query: URLSearchParams,
  res: ServerResponse,
): void {
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  res.flushHeaders();
  const write = (type: string, object: object) => res.write(`${JSON.stringify({ type, object })}\n`);
  const since = query.get('resourceVersion');
  const labels = query.get('labelSelector');
  const fields = query.get('fieldSelector');
  const isWanted = (e: StoreEvent) =>
    e.resourceType === route.type &&
    (route.namespace === undefined || e.object.metadata.namespace === route.namespace) &&
    matchesLabels(labels, e.object.metadata.labels) &&
    matchesFields(fields, e.object.metadata);
  if (since === null || since === '' || since === '0') {
    for (const object of store.list(route.type, route.namespace, labels, fields)) write('ADDED', object);
  } else {
    const backlog = store.eventsSince(Number(since));
    if (backlog === 'gone') {
      const message = `too old resource version: ${since} (${store.resourceVersion})`;
      write('ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason: 'Expired', code: 410 });
      res.end();
      return;
    }
    for (const event of backlog.filter(isWanted)) write(event.type, event.object);
  }
  const unsubscribe = store.subscribe((event) => {
    if (isWanted(event)) write(event.type, event.object);
  });
  const timeout = Number(query.get('timeoutSeconds') ?? '0');
  const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
  res.on('close', () => {
    unsubscribe();
    if (timer !== undefined) clearTimeout(timer);
  });
}
