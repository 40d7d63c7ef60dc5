import { readFile } from 'node:fs/promises';

/** What a command may touch of the outside world; tests pass a fake. */
export interface CliIo {
  readStdin(): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): Promise<string>;
}

/**
 * The outcome of a command core: pure data, so each command is unit-tested without a process.
 * Exit codes: 0 ok, 1 a check failed, 2 bad usage.
 */
export interface CommandResult {
  readonly exitCode: 0 | 1 | 2;
  readonly stdout: string;
  readonly stderr: string;
}

export const ExitCode = { ok: 0, checkFailed: 1, usage: 2 } as const;

export function succeeded(stdout: string, stderr = ''): CommandResult {
  return { exitCode: ExitCode.ok, stdout, stderr };
}

export function failed(exitCode: 1 | 2, stderr: string): CommandResult {
  return { exitCode, stdout: '', stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n` };
}

/** Bad usage (exit 2) when any named option is missing or empty, listing all of them. */
export function missingOptions(values: Readonly<Record<string, string | undefined>>): CommandResult | undefined {
  const missing = Object.entries(values)
    .filter(([, value]) => value === undefined || value === '')
    .map(([flag]) => flag);
  if (missing.length === 0) return undefined;
  return failed(ExitCode.usage, `missing required option(s): ${missing.join(', ')}`);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The real terminal: stdin read to its end, output written as is (no added newline). */
export const nodeIo: CliIo = {
  readStdin: () => readAll(process.stdin),
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
  readFile: (path) => readFile(path, 'utf8'),
};
