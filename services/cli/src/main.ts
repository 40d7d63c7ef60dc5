import { isAppError } from '@mpstack/common/errors';
import { wechatDelivery } from '@mpstack/common/wechat';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runnableServices } from './commands/runnable.js';
import type { SimSendOptions } from './commands/sim.js';
import { renderChat } from './commands/sim-chat.js';
import { simSendDefaults } from './commands/sim-defaults.js';
import { nodeIo } from './wx/io.js';
import { registerWxCommands } from './wx/register.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number');
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function buildProgram(): Command {
  const program = new Command('mpstack').description('mpstack — the platform for large WeChat Official Accounts');
  program
    .command('dev')
    .description('run the whole platform on this machine (embedded default unless MPSTACK_*_URL are set)')
    .option('--ingress-port <port>', 'webhook port (default: MPSTACK_INGRESS_PORT, else 8080)', port)
    .option(
      '--simulator-port <port>',
      'WeChat simulator + phone page port (default: MPSTACK_SIMULATORS_PORT, else 9090)',
      port,
    )
    .addOption(
      new Option('--scale <mode>', 'auto: ingress copies scaled on their request rates')
        .choices(['fixed', 'auto'])
        .default('fixed'),
    )
    .option('--scale-target <rps>', 'with --scale auto: requests/s per ingress copy', positiveInt, 50)
    .option('--scale-max <n>', 'with --scale auto: most ingress copies', positiveInt, 4)
    .option('--send-summary', "e-mail today's summary so far once running (see the simulator's mailbox)")
    .action(
      async (options: {
        ingressPort?: number;
        simulatorPort?: number;
        sendSummary?: boolean;
        scale: string;
        scaleTarget: number;
        scaleMax: number;
      }) => {
        const scale =
          options.scale === 'auto'
            ? { min: 1, max: options.scaleMax, target: options.scaleTarget, intervalMs: 5000 }
            : undefined;
        // Commands load what they run when they run: `mpstack wx …` loads no driver.
        const { startDev } = await import('./commands/dev.js');
        const running = await startDev(process.env, {
          ...(options.ingressPort === undefined ? {} : { ingressPort: options.ingressPort }),
          ...(options.simulatorPort === undefined ? {} : { simulatorPort: options.simulatorPort }),
          ...(scale === undefined ? {} : { scale }),
          ...(options.sendSummary === true ? { sendSummary: true } : {}),
        });
        console.log('\nmpstack is running:\n');
        for (const [name, url] of Object.entries(running.urls)) console.log(`  ${name.padEnd(36)} ${url}`);
        for (const note of running.notes) console.log(`\n  note: ${note}`);
        console.log('\nCtrl-C stops everything.');
        const stop = () => void running.close().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      },
    );
  program
    .command('run')
    .description('run one service (the container entrypoint); configuration from MPSTACK_* variables')
    .argument('<service>', `one of: ${runnableServices().join(', ')}`)
    .action(async (service: string) => {
      const { runService } = await import('./commands/run.js');
      await runService(service, process.env);
    });
  program
    .command('migrate')
    .description('apply database migrations (MPSTACK_DATABASE_URL, or the embedded SQLite file)')
    .option('--seed <file>', 'then upsert the accounts and rules of a seed file')
    .action(async (options: { seed?: string }) => {
      const { migrate } = await import('./commands/migrate.js');
      const result = await migrate(process.env, options.seed);
      console.log(
        `migrated ${result.target}: ${result.applied.length === 0 ? 'already up to date' : result.applied.join(', ')}`,
      );
      if (result.seeded !== undefined)
        console.log(`seeded ${result.seeded.accounts} account(s), ${result.seeded.rules} rule(s)`);
    });
  registerAdmin(program);
  registerSim(program);
  registerWxCommands(program, nodeIo);
  return program;
}

function registerAdmin(program: Command): void {
  program
    .command('admin')
    .description('console users')
    .command('create-user')
    .description('create a console user (the first super-admin); prints the password once')
    .requiredOption('--username <name>', 'sign-in name')
    .option('--role <role>', 'viewer | operator | super-admin | agent', 'super-admin')
    .option('--display-name <name>', 'shown in the console')
    .option('--password <password>', 'at least 10 characters; generated when absent (prefer MPSTACK_ADMIN_PASSWORD)')
    .option('--reset', 'set a new password when the user exists (their sessions end)')
    .action(
      async (options: { username: string; role: string; displayName?: string; password?: string; reset?: boolean }) => {
        const { createUserCommand } = await import('./commands/admin.js');
        const password = options.password ?? process.env.MPSTACK_ADMIN_PASSWORD;
        const result = await createUserCommand(process.env, {
          username: options.username,
          role: options.role as 'super-admin',
          ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
          ...(password === undefined || password === '' ? {} : { password }),
          ...(options.reset === true ? { reset: true } : {}),
        });
        console.log(`${result.created ? 'created' : 'reset'} console user ${result.username} (${options.role})`);
        if (password === undefined || password === '') console.log(`password: ${result.password}`);
      },
    );
}

function registerSim(program: Command): void {
  const sim = program.command('sim').description('talk to an ingress the way WeChat does');
  sim
    .command('send')
    .description(
      'send a message or event (signed, encrypted, retried like WeChat) and show the chat the user sees: the passive reply, then the customer-service messages that arrive within --wait-ms',
    )
    .option('--url <url>', 'callback URL', simSendDefaults.url)
    .option('--appid <appid>', 'AppID', simSendDefaults.appid)
    .option('--token <token>', 'Token', simSendDefaults.token)
    .option('--aes-key <key>', 'EncodingAESKey', simSendDefaults.aesKey)
    .addOption(
      new Option('--mode <mode>', 'encryption mode')
        .choices(['plain', 'compatible', 'safe'])
        .default(simSendDefaults.mode),
    )
    .option('--from <openid>', 'the user', simSendDefaults.from)
    .option('--to <id>', 'the account original id (gh_…)', simSendDefaults.to)
    .addOption(new Option('--text <content>', 'a text message').conflicts(['event', 'file']))
    .addOption(new Option('--event <event>', 'an event instead (subscribe, CLICK, …)').conflicts(['file']))
    .option('--event-key <key>', 'EventKey of the event')
    .option('--file <xml>', 'send this plaintext XML instead')
    .option('--timeout-ms <ms>', 'per delivery', positiveInt, wechatDelivery.timeoutMs)
    .option('--deliveries <n>', 'deliveries in total', positiveInt, wechatDelivery.maxDeliveries)
    .addOption(
      new Option(
        '--retry-on <when>',
        'deliver again on no-answer (no response within the timeout: what WeChat documents) or any-failure (also after a non-2xx status)',
      )
        .choices(['no-answer', 'any-failure'])
        .default('no-answer'),
    )
    .option(
      '--simulator <url>',
      'WeChat simulator to tell about the message first (opens its 48 h customer-service window) and to read the customer-service messages from',
      simSendDefaults.simulator,
    )
    .option('--no-simulator', 'do not tell a simulator (and do not wait for customer-service messages)')
    .option(
      '--wait-ms <ms>',
      'how long to wait for customer-service messages (0: not at all)',
      nonNegativeInt,
      simSendDefaults.waitMs,
    )
    .option('--json', 'print the full report as JSON instead of the chat')
    .action(async (options: SimSendOptions & { json?: boolean }, command: Command) => {
      if (options.text === undefined && options.event === undefined && options.file === undefined) {
        command.error('error: say what to send: --text <content>, --event <event> (with --event-key) or --file <xml>', {
          exitCode: 2,
        });
      }
      const { simSend } = await import('./commands/sim.js');
      const report = await simSend(options);
      console.log(options.json === true ? JSON.stringify(report, null, 2) : renderChat(options, report));
      if (report.userSees.kind === 'error') process.exitCode = 1;
    });
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    console.error(isAppError(error) ? `mpstack: ${error.message}` : error);
    process.exitCode = 1;
  }
}
