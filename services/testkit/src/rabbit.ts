import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const AMQP_BASE_URL = process.env['MPSTACK_TEST_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * The ingress declares fixed queue names (`mpstack.inbound.p<N>`, `mpstack.log-events`), so a
 * test isolates its queues in a RabbitMQ virtual host of its own (created with rabbitmqctl,
 * which the guest user cannot do over AMQP). Returns the AMQP URL of the new vhost.
 */
export async function createVhost(name: string): Promise<string> {
  await run('rabbitmqctl', ['-q', 'add_vhost', name]);
  await run('rabbitmqctl', ['-q', 'set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
  return `${AMQP_BASE_URL}/${encodeURIComponent(name)}`;
}

/** Deletes the vhost with its queues and messages. */
export async function deleteVhost(name: string): Promise<void> {
  await run('rabbitmqctl', ['-q', 'delete_vhost', name]);
}
