import type { Command } from 'commander';
import { runDecrypt } from './decrypt.js';
import { runEncrypt } from './encrypt.js';
import { type CliIo, type CommandResult, ExitCode, failed } from './io.js';
import { runParse } from './parse.js';
import { runJssdkSign, runSign } from './sign.js';

/**
 * Writes a command's result. The cores never touch the process; this wrapper is the one
 * place an exit code reaches `process.exitCode` (never `process.exit`, so output flushes).
 */
function emit(io: CliIo, result: CommandResult): void {
  if (result.stdout !== '') io.stdout(result.stdout);
  if (result.stderr !== '') io.stderr(result.stderr);
  if (result.exitCode !== ExitCode.ok) process.exitCode = result.exitCode;
}

/** The body from `--file`, else stdin; an unreadable file is a usage error. */
async function readBody(io: CliIo, file: string | undefined): Promise<string | CommandResult> {
  if (file === undefined) return io.readStdin();
  try {
    return await io.readFile(file);
  } catch (error) {
    return failed(
      ExitCode.usage,
      `cannot read --file ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function registerSign(wx: Command, io: CliIo): void {
  wx.command('sign')
    .description('compute the callback URL signature (msg_signature when --encrypt is given)')
    .option('--token <token>', 'Token from the WeChat console')
    .option('--timestamp <ts>', 'timestamp query parameter')
    .option('--nonce <nonce>', 'nonce query parameter')
    .option('--encrypt <value>', 'Encrypt value: compute msg_signature instead of signature')
    .action((options: Parameters<typeof runSign>[0]) => emit(io, runSign(options)));
  wx.command('jssdk-sign')
    .description('compute the JS-SDK wx.config signature for a page URL')
    .option('--ticket <ticket>', 'jsapi_ticket')
    .option('--noncestr <noncestr>', 'nonceStr given to wx.config')
    .option('--timestamp <ts>', 'timestamp given to wx.config')
    .option('--url <url>', 'the page URL (a #fragment is ignored)')
    .action((options: Parameters<typeof runJssdkSign>[0]) => emit(io, runJssdkSign(options)));
}

function registerCrypt(wx: Command, io: CliIo): void {
  wx.command('decrypt')
    .description('verify and decrypt a callback body (stdin or --file); says which check failed and why')
    .option('--token <token>', 'Token from the WeChat console')
    .option('--aes-key <key>', 'EncodingAESKey (43 characters)')
    .option('--previous-aes-key <key>', 'the previous EncodingAESKey, tried when the current one fails')
    .option('--appid <appid>', 'AppID of the account')
    .option('--timestamp <ts>', 'timestamp query parameter')
    .option('--nonce <nonce>', 'nonce query parameter')
    .option('--msg-signature <sig>', 'msg_signature query parameter')
    .option(
      '--signature <sig>',
      'signature query parameter: checked instead when there is no msg_signature (the body is then not verified)',
    )
    .option('--file <path>', 'read the body from this file instead of stdin')
    .action(async (options: Parameters<typeof runDecrypt>[0] & { file?: string }) => {
      const body = await readBody(io, options.file);
      emit(io, typeof body === 'string' ? runDecrypt(options, body) : body);
    });
  wx.command('encrypt')
    .description('encrypt a plaintext from stdin: prints Encrypt, or the reply envelope with --timestamp/--nonce')
    .option('--token <token>', 'Token (signs the envelope)')
    .option('--aes-key <key>', 'EncodingAESKey (43 characters)')
    .option('--appid <appid>', 'AppID of the account')
    .option('--random <random>', '16 ASCII characters or 32 hex digits: a fixed random prefix (deterministic output)')
    .option('--timestamp <ts>', 'with --nonce: print the whole signed reply envelope')
    .option('--nonce <nonce>', 'with --timestamp: print the whole signed reply envelope')
    .action(async (options: Parameters<typeof runEncrypt>[0]) => {
      emit(io, runEncrypt(options, await io.readStdin()));
    });
}

/**
 * Adds `mpstack wx …`: the protocol tools a developer reaches for when a callback fails —
 * sign, decrypt, encrypt, jssdk-sign, parse — built on the same functions as the ingress.
 */
export function registerWxCommands(program: Command, io: CliIo): void {
  const wx = program.command('wx').description('WeChat protocol tools: signatures, encryption, message parsing');
  registerSign(wx, io);
  registerCrypt(wx, io);
  wx.command('parse')
    .description('print the typed message (kind, event, fields) the ingress routes on')
    .option('--file <path>', 'read the XML from this file instead of stdin')
    .action(async (options: { file?: string }) => {
      const body = await readBody(io, options.file);
      emit(io, typeof body === 'string' ? runParse(body) : body);
    });
}
