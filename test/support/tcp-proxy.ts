import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy a test puts between a service and its broker to simulate an outage: `cut()`
 * destroys every open connection and refuses new ones (accepted, then destroyed at once,
 * as a crashed peer would), `restore()` lets connections through again.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #isCut = false;

  private constructor(
    server: Server,
    readonly port: number,
  ) {
    this.#server = server;
  }

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy?.accept(client, targetHost, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  get isCut(): boolean {
    return this.#isCut;
  }

  /** Number of live client + upstream sockets (0 right after a cut). */
  get openSockets(): number {
    return this.#sockets.size;
  }

  cut(): void {
    this.#isCut = true;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  restore(): void {
    this.#isCut = false;
  }

  /**
   * Stops moving bytes either way without closing anything: what the service sends waits in
   * the socket buffers (a stalled network or peer). `thaw()` moves them again; a side that
   * closes meanwhile takes what it had sent with it.
   */
  freeze(): void {
    for (const socket of this.#sockets) socket.pause();
  }

  thaw(): void {
    for (const socket of this.#sockets) socket.resume();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    if (this.#isCut) {
      client.destroy();
      return;
    }
    const upstream = connect(port, host);
    for (const [socket, peer] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(socket);
      socket.on('error', () => peer.destroy());
      socket.on('close', () => {
        this.#sockets.delete(socket);
        peer.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
