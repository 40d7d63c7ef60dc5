import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logging/logger.js';
import type { QueuePort } from '../ports/index.js';
import type { Telemetry } from '../telemetry/index.js';
import { LogSink } from './log-sink.js';

export interface AccessEventsOptions {
  readonly sink: LogSink;
  /** The service answering, e.g. `admin`. */
  readonly service: string;
  /**
   * Where the routes are mounted (`/admin/api`), put in front of each route's pattern. Given,
   * not read from `req.baseUrl`: express restores that as an error travels out of the routers.
   */
  readonly prefix?: string;
  /** The signed-in user's id, read when the answer has been sent. */
  readonly userId?: (req: Request) => string | undefined;
  /** The client's address as the service trusts it (default `req.ip`); read when the request arrives. */
  readonly ip?: (req: Request) => string | undefined;
}

/**
 * Records one `access` log event per request once its answer is sent (or the connection
 * closed first): the method, the matched route's pattern (not the URL, so no id, query or
 * token of a path lands in the file), the status, the latency,
 * the user and the address. Nothing is read from the headers, cookies or body. Recording is
 * synchronous and bounded ({@link LogSink.record}): it never waits for the broker, so it can
 * neither slow nor fail the request.
 */
export function accessEvents(options: AccessEventsOptions): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // Read now: by the time the answer is sent (a piped upload, say) the socket may be detached,
    // and express's req.ip then throws on its null remoteAddress.
    const ip = addressOf(req, options.ip);
    let done = false;
    const record = () => {
      if (done) return;
      done = true;
      // Runs in a 'finish' / 'close' listener: a throw here would be uncaught and end the process.
      let userId: string | undefined;
      try {
        userId = options.userId?.(req);
      } catch {
        userId = undefined;
      }
      options.sink.record({
        type: 'access',
        id: options.sink.nextId(),
        at: Date.now(),
        service: options.service,
        method: req.method.slice(0, 16),
        route: routeOf(req, options.prefix ?? ''),
        // A connection closed before an answer: 499, as proxies log it.
        status: res.writableFinished ? res.statusCode : 499,
        latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
        userId,
        ip,
      });
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}

function addressOf(req: Request, read: ((req: Request) => string | undefined) | undefined): string | undefined {
  try {
    return (read?.(req) ?? req.ip)?.slice(0, 64);
  } catch {
    return undefined;
  }
}

/** The pattern of the route that answered; `(none)` when no route did (a 404, a refusal before routing). */
function routeOf(req: Request, prefix: string): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof route !== 'string') return '(none)';
  return `${prefix}${route}`.slice(0, 255);
}

export interface ServiceAccessLogOptions extends Omit<AccessEventsOptions, 'sink'> {
  readonly queue: QueuePort;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /** Events held while the broker is unreachable; beyond, the oldest are dropped (and counted). */
  readonly maxBuffered: number;
  /** The shell's `onClose`: the held events are published before the service's infrastructure closes. */
  readonly onClose: (name: string, run: () => Promise<void>) => void;
}

/**
 * A service's access events, ready to mount: its own {@link LogSink} (declaring the queue at
 * the first publish, so the service starts without a broker; `mpstack_log_events_dropped_total`
 * counts what a long outage drops), started and closed with the service, behind
 * {@link accessEvents}.
 */
export function serviceAccessLog(options: ServiceAccessLogOptions): RequestHandler {
  const { queue, logger, telemetry, maxBuffered, onClose, ...recording } = options;
  const sink = new LogSink({ queue, logger, meter: telemetry.meter, maxBuffered, declareQueue: true });
  sink.start();
  onClose('access events', () => sink.close());
  return accessEvents({ ...recording, sink });
}
