import { randomBytes } from 'node:crypto';

/** A short random suffix for database, key-prefix and queue names unique to this run. */
export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

/** A promise with its resolver, for handlers that must wait until a test releases them. */
export function gate(): { readonly opened: Promise<void>; open(): void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open: () => open() };
}

/** Lets pending I/O callbacks run (a scheduling yield, not a sleep). */
export function turns(count = 5): Promise<void> {
  let chain = Promise.resolve();
  for (let i = 0; i < count; i += 1) chain = chain.then(() => new Promise((resolve) => setImmediate(resolve)));
  return chain;
}
