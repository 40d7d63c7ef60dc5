import { connect, type Socket } from 'node:net';
import Denque from 'denque';
import { Deadlines } from './deadlines.js';
import { type Http1Answer, Http1ResponseReader } from './http1-response.js';

/** A request for {@link OriginPool.post}: the whole request as one string, written at once. */
interface Pending {
  readonly request: string;
  readonly signal: AbortSignal | undefined;
  /** When the whole answer must have arrived (`Date.now()` ms), for a call bounded by the pool. */
  readonly deadline: number;
  readonly resolve: (answer: Http1Answer) => void;
  readonly reject: (error: unknown) => void;
  isDone: boolean;
  connection: Connection | undefined;
  onAbort: (() => void) | undefined;
}

interface Connection {
  readonly socket: Socket;
  current: Pending | undefined;
  reader: Http1ResponseReader;
  expiresAt: number;
  error: Error | undefined;
}

/** Idle sockets are closed before the server's keep-alive timeout (Node's default is 5 s). */
const defaultIdleMs = 4_000;
/** The margin kept below a server's announced `Keep-Alive: timeout`. */
const idleMarginMs = 1_000;

/** No whole answer within the call's `timeoutMs` (the connection is closed). */
export class AnswerTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'AnswerTimeout';
  }
}

/**
 * Keep-alive HTTP/1.1 connections to one origin (`http:`), at most `connections` of them, one
 * request on a connection at a time (no pipelining: WeChat waits for each answer). A request
 * beyond the open connections waits, in order, for the next free one. Each request is one
 * write of its head and body. Idle connections do not hold the process open and are closed
 * before the server would close them. A connection whose answer is not delimited, or which
 * the server asks to close, is not reused.
 */
export class OriginPool {
  private readonly idle: Connection[] = [];
  private readonly waiting = new Denque<Pending>();
  private readonly deadlines = new Deadlines<Pending>((pending, timeoutMs) => this.timeOut(pending, timeoutMs));
  private readonly connected = new Set<Connection>();
  private isClosed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly connections: number,
  ) {}

  /**
   * Writes `request` (head and body) and resolves with the answer; rejects on a failed
   * connection, on `signal`, or with {@link AnswerTimeout} when the whole answer did not
   * arrive within `timeoutMs` of the call (waiting for a connection included).
   */
  post(request: string, signal: AbortSignal | undefined, timeoutMs?: number): Promise<Http1Answer> {
    return new Promise((resolve, reject) => this.call(request, signal, timeoutMs, resolve, reject));
  }

  /**
   * {@link post} without a promise: exactly one of `resolve` / `reject` is called, never
   * before this returns when the pool is open (the job-finish pushes use this directly).
   */
  call(
    request: string,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    resolve: (answer: Http1Answer) => void,
    reject: (error: unknown) => void,
  ): void {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    if (this.isClosed) {
      reject(new Error('the pool is closed'));
      return;
    }
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    const pending: Pending = {
      request,
      signal,
      deadline,
      resolve,
      reject,
      isDone: false,
      connection: undefined,
      onAbort: undefined,
    };
    if (signal !== undefined) {
      // Aborts at once, also while waiting for a connection (one that hangs while connecting).
      pending.onAbort = () => {
        const { connection } = pending;
        if (this.finish(pending)) reject(signal.reason);
        connection?.socket.destroy();
      };
      signal.addEventListener('abort', pending.onAbort, { once: true });
    }
    if (timeoutMs !== undefined) this.deadlines.add(pending, timeoutMs);
    if (!this.start(pending)) this.waiting.push(pending);
  }

  private timeOut(pending: Pending, timeoutMs: number): void {
    const { connection } = pending;
    if (this.finish(pending)) pending.reject(new AnswerTimeout(timeoutMs));
    connection?.socket.destroy();
  }

  /** Closes every connection; waiting requests fail. */
  close(): void {
    this.isClosed = true;
    for (let next = this.waiting.shift(); next !== undefined; next = this.waiting.shift()) {
      const pending = next;
      if (this.finish(pending)) pending.reject(new Error('the pool is closed'));
    }
    this.idle.length = 0;
    for (const connection of this.connected) connection.socket.destroy();
    this.deadlines.clear();
  }

  /** Marks `pending` finished (its listener and deadline dropped); false when it already was. */
  private finish(pending: Pending): boolean {
    if (pending.isDone) return false;
    pending.isDone = true;
    if (pending.onAbort !== undefined) pending.signal?.removeEventListener('abort', pending.onAbort);
    if (pending.deadline !== Number.POSITIVE_INFINITY) this.deadlines.forget(pending);
    return true;
  }

  /** Sends on an idle or a new connection; false when all `connections` are busy. */
  private start(pending: Pending): boolean {
    const now = Date.now();
    for (let idle = this.idle.pop(); idle !== undefined; idle = this.idle.pop()) {
      if (idle.expiresAt > now && !idle.socket.destroyed) {
        idle.socket.ref();
        this.send(idle, pending);
        return true;
      }
      idle.socket.destroy();
    }
    if (this.connected.size >= this.connections) return false;
    this.send(this.connect(), pending);
    return true;
  }

  private send(connection: Connection, pending: Pending): void {
    connection.current = pending;
    connection.reader = new Http1ResponseReader();
    pending.connection = connection;
    connection.socket.write(pending.request);
  }

  private connect(): Connection {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    const connection: Connection = {
      socket,
      current: undefined,
      reader: new Http1ResponseReader(),
      expiresAt: 0,
      error: undefined,
    };
    this.connected.add(connection);
    socket.on('data', (chunk: Buffer) => this.onData(connection, chunk));
    socket.on('error', (error) => {
      connection.error = error;
    });
    socket.on('close', () => this.onClose(connection));
    return connection;
  }

  private onData(connection: Connection, chunk: Buffer): void {
    const pending = connection.current;
    if (pending === undefined) {
      connection.socket.destroy();
      return;
    }
    let answer: Http1Answer | undefined;
    try {
      answer = connection.reader.feed(chunk);
    } catch (error) {
      connection.error = error as Error;
      connection.socket.destroy();
      return;
    }
    if (answer === undefined) return;
    connection.current = undefined;
    if (this.finish(pending)) pending.resolve(answer);
    if (!answer.isReusable || this.isClosed) connection.socket.destroy();
    else this.release(connection, answer.keepAliveMs);
  }

  /** Gives the connection to the next waiting request, or keeps it idle. */
  private release(connection: Connection, keepAliveMs: number | undefined): void {
    for (let next = this.waiting.shift(); next !== undefined; next = this.waiting.shift()) {
      if (next.isDone) continue;
      this.send(connection, next);
      return;
    }
    const idleMs = keepAliveMs === undefined ? defaultIdleMs : Math.min(defaultIdleMs, keepAliveMs - idleMarginMs);
    if (idleMs <= 0) {
      connection.socket.destroy();
      return;
    }
    connection.expiresAt = Date.now() + idleMs;
    connection.socket.unref();
    this.idle.push(connection);
  }

  private onClose(connection: Connection): void {
    this.connected.delete(connection);
    const index = this.idle.indexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
    const pending = connection.current;
    connection.current = undefined;
    if (pending !== undefined) {
      const answer = connection.error === undefined ? connection.reader.end() : undefined;
      if (answer === undefined) {
        const error = connection.error ?? new Error('the connection closed before the answer was complete');
        if (this.finish(pending)) pending.reject(error);
      } else {
        if (this.finish(pending)) pending.resolve(answer);
      }
    }
    this.startWaiting();
  }

  /** Opens connections for the oldest waiting requests when one closed. */
  private startWaiting(): void {
    while (!this.isClosed && this.connected.size < this.connections) {
      const next = this.waiting.shift();
      if (next === undefined) return;
      if (!next.isDone) this.start(next);
    }
  }
}
