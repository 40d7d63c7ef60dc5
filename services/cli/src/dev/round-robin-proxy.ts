import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where requests may go right now: base URLs of the ready copies. */
export type Backends = () => readonly string[];

export interface RoundRobinProxy {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The one front URL of `mpstack dev --scale auto`: spreads requests over the ready ingress
 * copies in turn, like the Kubernetes Service in front of the ingress Deployment. With no
 * ready copy it answers 503, which WeChat (and the simulator) retries.
 */
export async function startRoundRobinProxy(port: number, host: string, backends: Backends): Promise<RoundRobinProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let next = 0;
  const server: Server = createServer((req, res) => {
    const ready = backends();
    const target = ready.length === 0 ? undefined : ready[next++ % ready.length];
    if (target === undefined) {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'no ingress copy is ready yet' } }));
      return;
    }
    const url = new URL(req.url ?? '/', target);
    const upstream = request(url, { method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'the ingress copy did not answer' } }));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
