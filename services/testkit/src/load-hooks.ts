/**
 * Module hooks (registered by `load-recorder-register.ts` through `--import`) that append the
 * URL of every module the process resolves to the file named by `MPSTACK_LOAD_LOG`.
 */
import { appendFileSync } from 'node:fs';

let log: string | undefined;

export async function initialize(data: { readonly log?: string } | undefined): Promise<void> {
  log = data?.log;
}

type Resolve = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, next: Resolve): Promise<{ url: string }> {
  const result = await next(specifier, context);
  if (log !== undefined) appendFileSync(log, `${result.url}\n`);
  return result;
}
