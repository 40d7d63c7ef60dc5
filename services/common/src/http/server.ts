import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A handler that may take a request before express sees it; returns true when it did.
 * The webhook's hot path is served this way because express's own per-request cost is
 * about that of the whole message path: measured on these machines, an express hello-world
 * takes ~100 µs of CPU per request, the complete webhook ~75 µs (README, "Performance").
 */
export type FastHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface ServiceServer {
  readonly server: Server;
  listen(port: number, host: string): Promise<string>;
  /** Stops accepting, lets in-flight requests finish (bounded), closes idle sockets. */
  close(graceMs?: number): Promise<void>;
}

export interface ServiceServerOptions {
  /**
   * Longest a request may take to arrive, body included (ms); Node's 300 s when absent. A
   * streamed upload is read as it is stored, so a 1,000,000-row one arrives over minutes.
   */
  readonly requestTimeoutMs?: number;
}

export function createServiceServer(
  app: (request: IncomingMessage, response: ServerResponse) => void,
  fastHandler?: FastHandler,
  options: ServiceServerOptions = {},
): ServiceServer {
  const timeouts = options.requestTimeoutMs === undefined ? {} : { requestTimeout: options.requestTimeoutMs };
  const server = createServer({ keepAliveTimeout: 65_000, ...timeouts }, (request, response) => {
    if (fastHandler?.(request, response) === true) return;
    app(request, response);
  });
  let closing: Promise<void> | undefined;
  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          resolve(`http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`);
        });
      }),
    close: (graceMs = 5000) => {
      closing ??= new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
