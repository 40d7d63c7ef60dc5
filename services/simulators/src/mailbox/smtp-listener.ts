import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Mailbox } from './mailbox-store.js';

/** Largest message accepted (bytes); larger ones are refused with 552. */
const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

export interface RunningSmtp {
  readonly port: number;
  /** `smtp://host:port`, for MPSTACK_SMTP_URL. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The simulator's SMTP server: accepts every mail for any recipient (no AUTH, no STARTTLS —
 * a development mailbox on the loopback, like MailHog) into the mailbox.
 */
export async function startSmtpListener(options: {
  readonly mailbox: Mailbox;
  readonly port: number;
  readonly host?: string;
}): Promise<RunningSmtp> {
  const host = options.host ?? '127.0.0.1';
  const server = new SMTPServer({
    name: 'mpstack-simulator',
    banner: 'mpstack simulator mailbox',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as { sizeExceeded?: boolean }).sizeExceeded) {
          callback(Object.assign(new Error('message too large for the simulator mailbox'), { responseCode: 552 }));
          return;
        }
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        options.mailbox.receive(Buffer.concat(chunks), { from, to: session.envelope.rcptTo.map((r) => r.address) });
        callback();
      });
    },
  });
  server.on('error', () => undefined); // a client's broken connection; the server goes on
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  return {
    port,
    url: `smtp://${hostInUrl}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
