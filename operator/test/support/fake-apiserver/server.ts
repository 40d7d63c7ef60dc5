/**
 * TEST DOUBLE — a fake Kubernetes API server on 127.0.0.1 for the operator's tests. It
 * speaks enough of the real API (discovery, CRUD, list/watch with resourceVersion, 409, 410,
 * merge / JSON patches, server-side apply with managedFields and 409 conflicts, 415 for
 * strategic merge on custom resources, `/status`, `/scale`, finalizers, owner garbage
 * collection, 422 for objects its schemas or immutability rules refuse — `admission.ts`)
 * for the real `@kubernetes/client-node` 1.4 and `kubectl`. It is NOT a Kubernetes: no
 * RBAC, no built-in defaulting, lists owned whole, no kubelet; see the README of the
 * operator for what tests on it cannot prove.
 */
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiError, statusBody } from './api-error.js';
import { Faults, type RecordedRequest } from './faults.js';
import { handleVerb } from './handlers.js';
import { decodeProtobufBody } from './protobuf.js';
import { RESOURCE_TYPES } from './resource-types.js';
import { route } from './routing.js';
import { ObjectStore } from './store.js';
import { toTable, wantsTable } from './table.js';
import { selfSignedCertificate } from './tls.js';
import { serveWatch } from './watch.js';

export interface FakeApiServerOptions {
  /** The bearer token clients must send (`fake-token` unless given). */
  readonly token?: string;
  /** Serve HTTPS with a self-signed certificate (default true; kubectl sends tokens only over TLS). */
  readonly isTls?: boolean;
  /** Watch events retained; a watch from an older resourceVersion gets 410 Gone. */
  readonly historyLimit?: number;
}

export interface FakeApiServer {
  readonly url: string;
  readonly token: string;
  readonly store: ObjectStore;
  readonly faults: Faults;
  /** A client configuration for this server (namespace `default` unless given). */
  kubeConfig(namespace?: string): KubeConfig;
  /** Writes a kubeconfig file for kubectl. */
  writeKubeconfig(path: string, namespace?: string): void;
  /** Cuts every open watch connection abruptly (the client sees a network error). */
  dropWatches(): void;
  /** Makes new watch requests wait until the returned release function is called. */
  holdWatches(): () => void;
  /** Ends every open watch cleanly, as the real server does at its watch timeout. */
  endWatches(): void;
  readonly openWatches: () => number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      // kubectl's typed clients (create namespace/secret) send protobuf: read it as JSON.
      const isProtobuf = (req.headers['content-type'] ?? '').startsWith('application/vnd.kubernetes.protobuf');
      try {
        resolve(isProtobuf ? JSON.stringify(decodeProtobufBody(raw)) : raw.toString('utf8'));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

interface Context {
  readonly store: ObjectStore;
  readonly faults: Faults;
  readonly token: string | undefined;
  readonly watches: Set<ServerResponse>;
  held: Promise<void> | undefined;
}

async function dispatch(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const isWatch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  const method = req.method ?? 'GET';
  const record: RecordedRequest = {
    method,
    path: url.pathname,
    query: url.search,
    contentType: req.headers['content-type'],
    isWatch,
    status: 0,
  };
  ctx.faults.requests.push(record);
  res.on('finish', () => {
    record.status = res.statusCode;
  });
  const body = await readBody(req);
  if (ctx.token !== undefined && req.headers.authorization !== `Bearer ${ctx.token}`) {
    return send(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized'));
  }
  const injected = ctx.faults.take(record);
  if (injected !== undefined)
    return send(res, injected, statusBody(injected, 'InternalError', `injected fault ${injected}`));
  const target = route(url.pathname);
  if (target.kind === 'none')
    return send(res, 404, statusBody(404, 'NotFound', `the server could not find ${url.pathname}`));
  if (target.kind === 'document') return send(res, 200, target.body);
  if (isWatch && method === 'GET') {
    await ctx.held;
    ctx.watches.add(res);
    res.on('close', () => ctx.watches.delete(res));
    return serveWatch(ctx.store, target, url.searchParams, res);
  }
  const sent = req.headers['content-type'] ?? 'application/json';
  const contentType = sent.startsWith('application/vnd.kubernetes.protobuf') ? 'application/json' : sent;
  const userAgent = req.headers['user-agent'];
  const result = handleVerb(ctx.store, {
    method,
    route: target,
    query: url.searchParams,
    contentType,
    body,
    ...(userAgent === undefined ? {} : { userAgent }),
  });
  const isTable = wantsTable(req.headers.accept) && method === 'GET' && result.status === 200;
  send(res, result.status, isTable ? toTable(result.body, target.type) : result.body);
}

/** Starts the fake server on 127.0.0.1 and an ephemeral port. */
export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const token = options.token ?? 'fake-token';
  const ctx: Context = {
    store: new ObjectStore(RESOURCE_TYPES, options.historyLimit),
    faults: new Faults(),
    token,
    watches: new Set(),
    held: undefined,
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    dispatch(ctx, req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof ApiError) return send(res, error.code, statusBody(error.code, error.reason, error.message));
      send(res, 500, statusBody(500, 'InternalError', error instanceof Error ? error.message : String(error)));
    });
  };
  const isTls = options.isTls ?? true;
  const server = isTls ? createHttpsServer(selfSignedCertificate(), handler) : createHttpServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `${isTls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeConfigFor = (namespace = 'default') => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
      users: [{ name: 'fake', token }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake', namespace }],
      currentContext: 'fake',
    });
    return kc;
  };
  return {
    url,
    token,
    store: ctx.store,
    faults: ctx.faults,
    kubeConfig: kubeConfigFor,
    writeKubeconfig: (path, namespace) => writeFileSync(path, kubeConfigFor(namespace).exportConfig()),
    dropWatches: () => {
      for (const res of ctx.watches) res.socket?.destroy();
    },
    holdWatches: () => {
      let release: () => void = () => undefined;
      ctx.held = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        ctx.held = undefined;
        release();
      };
    },
    endWatches: () => {
      for (const res of ctx.watches) res.end();
    },
    openWatches: () => ctx.watches.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
