import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to a local port that can hold new connections: accepted (the client sees a
 * connected socket and sends its commands) but not forwarded until {@link release}. It lets a
 * test stop a client mid-handshake — e.g. asking a sentinel for the primary — for as long as
 * it likes, with real servers on both sides. It remembers what the server sent, to wait for.
 */
export class HoldingProxy {
  readonly #sockets = new Set<Socket>();
  #held: Socket[] = [];
  #isHolding = false;
  #fromServer = '';

  private constructor(
    private readonly server: Server,
    private readonly target: number,
    readonly port: number,
  ) {
    server.on('connection', (client) => {
      this.#track(client);
      client.pause();
      if (this.#isHolding) this.#held.push(client);
      else this.#forward(client);
    });
  }

  static async start(target: number): Promise<HoldingProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return new HoldingProxy(server, target, address.port);
  }

  /** Connections made from now on wait, unanswered, for {@link release}. */
  hold(): void {
    this.#isHolding = true;
  }

  get heldCount(): number {
    return this.#held.length;
  }

  /** Forwards the waiting connections and every new one. */
  release(): void {
    this.#isHolding = false;
    for (const client of this.#held) this.#forward(client);
    this.#held = [];
  }

  /** Whether the server has sent `text` to a client through this proxy. */
  hasForwarded(text: string): boolean {
    return this.#fromServer.includes(text);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  #forward(client: Socket): void {
    if (client.destroyed) return;
    const upstream = connect(this.target, '127.0.0.1');
    this.#track(upstream);
    upstream.on('data', (chunk: Buffer) => {
      this.#fromServer += chunk.toString('latin1');
    });
    upstream.pipe(client);
    client.pipe(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.resume();
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.#sockets.delete(socket));
  }
}
