import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@mpstack/testkit';
import amqp from 'amqplib';
import { FaultServer, freePort, ServerProcess } from './process.js';

/** Where Debian's package puts the real start script (the `/usr/sbin` wrapper switches user). */
const serverScript = process.env['MPSTACK_TEST_RABBITMQ_SERVER'] ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';

/**
 * A RabbitMQ node of the test's own — never the machine's shared broker: its own node name,
 * AMQP and distribution ports chosen at run time, its own mnesia, log and config files
 * (no plugins, so no management listener), `guest` allowed over loopback. The start script
 * is exec'ed straight into the Erlang VM (`RUNNING_UNDER_SYSTEMD`), so the process the test
 * holds is `beam.smp` itself: `pause()` (SIGSTOP) stalls the whole broker with its TCP
 * connections open — publishes are neither confirmed nor refused — and `kill()` is a crash.
 * Start-up takes a few seconds; start one per test file, in `before`.
 */
export class RabbitMqNode extends FaultServer {
  private constructor(
    process: ServerProcess,
    readonly port: number,
    readonly distPort: number,
    readonly nodeName: string,
    dir: string,
  ) {
    super(process, dir);
  }

  static async start(): Promise<RabbitMqNode> {
    const [port, distPort] = [await freePort(), await freePort()];
    const dir = await mkdtemp(join(tmpdir(), 'mpstack-fault-rabbit-'));
    const nodeName = `mpstack-fault-${port}@localhost`;
    await Promise.all([mkdir(join(dir, 'mnesia')), mkdir(join(dir, 'log'))]);
    await writeFile(join(dir, 'rabbitmq.conf'), `listeners.tcp.1 = 127.0.0.1:${port}\n`);
    await writeFile(join(dir, 'enabled_plugins'), '[].\n');
    // An empty env file: the machine's /etc/rabbitmq/rabbitmq-env.conf names the shared node.
    await writeFile(join(dir, 'rabbitmq-env.conf'), '');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: dir, // the Erlang cookie is created here
      RUNNING_UNDER_SYSTEMD: '1',
      RABBITMQ_NODENAME: nodeName,
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
      RABBITMQ_PID_FILE: join(dir, 'pid'),
    };
    const node = new RabbitMqNode(new ServerProcess('rabbitmq', serverScript, [], env), port, distPort, nodeName, dir);
    await node.waitUntilReady();
    return node;
  }

  /** AMQP URL of the default vhost (guest/guest). */
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  /** Resolves once an AMQP connection opens (the listener starts last, after the boot steps). */
  override async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    await until(
      async () => {
        if (!this.process.isRunning) throw new Error(`RabbitMQ exited: ${this.process.output}`);
        const connection = await amqp.connect(this.url);
        await connection.close();
        return true;
      },
      timeoutMs,
      `RabbitMQ node ${this.nodeName}`,
      250,
    );
  }
}
