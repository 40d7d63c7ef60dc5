import { decodeAesKey, encryptMessage, encryptReply } from '@mpstack/common/wechat';
import { reportFailure } from './crypt-errors.js';
import { type CommandResult, ExitCode, failed, missingOptions, succeeded } from './io.js';

export interface EncryptOptions {
  readonly token?: string | undefined;
  readonly aesKey?: string | undefined;
  readonly appid?: string | undefined;
  readonly random?: string | undefined;
  readonly timestamp?: string | undefined;
  readonly nonce?: string | undefined;
}

const hexRandom = /^[0-9a-fA-F]{32}$/;
const asciiRandom = /^[\x20-\x7e]{16}$/;

/**
 * The 16-byte random prefix from `--random`: 32 hex digits, or 16 printable ASCII characters
 * (the form SDK tests use, e.g. WxJava's "aaaabbbbccccdddd"). Hex wins when both fit.
 */
export function parseRandom(value: string): Buffer | undefined {
  if (hexRandom.test(value)) return Buffer.from(value, 'hex');
  if (asciiRandom.test(value)) return Buffer.from(value, 'ascii');
  return undefined;
}

/** Drops the one newline `echo` or a heredoc adds, so piped XML encrypts to what was meant. */
function withoutFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

function usageProblem(options: EncryptOptions): CommandResult | undefined {
  const usage = missingOptions({ '--token': options.token, '--aes-key': options.aesKey, '--appid': options.appid });
  if (usage !== undefined) return usage;
  if ((options.timestamp === undefined) !== (options.nonce === undefined)) {
    return failed(ExitCode.usage, '--timestamp and --nonce go together (both print the whole reply envelope)');
  }
  if (options.timestamp !== undefined && !/^\d+$/.test(options.timestamp)) {
    return failed(ExitCode.usage, '--timestamp must be seconds since the epoch (digits)');
  }
  if (options.random !== undefined && parseRandom(options.random) === undefined) {
    return failed(ExitCode.usage, '--random must be 16 ASCII characters or 32 hex digits');
  }
  return undefined;
}

/**
 * `mpstack wx encrypt`: encrypts a plaintext (stdin) like WeChat does. Prints the base64
 * Encrypt value, or with --timestamp and --nonce the whole signed reply envelope.
 */
export function runEncrypt(options: EncryptOptions, rawPlaintext: string): CommandResult {
  const usage = usageProblem(options);
  if (usage !== undefined) return usage;
  const plaintext = withoutFinalNewline(rawPlaintext);
  if (plaintext === '') return failed(ExitCode.usage, 'no plaintext: pipe it on stdin');
  const random = options.random === undefined ? undefined : parseRandom(options.random);
  try {
    const key = decodeAesKey(options.aesKey ?? '');
    const appId = options.appid ?? '';
    if (options.timestamp === undefined || options.nonce === undefined) {
      return succeeded(`${encryptMessage(key, appId, plaintext, random)}\n`);
    }
    const envelope = encryptReply({
      xml: plaintext,
      aesKey: key,
      appId,
      token: options.token ?? '',
      timestamp: options.timestamp,
      nonce: options.nonce,
      ...(random === undefined ? {} : { random }),
    });
    return succeeded(`${envelope}\n`);
  } catch (error) {
    return reportFailure('encrypt', error);
  }
}
