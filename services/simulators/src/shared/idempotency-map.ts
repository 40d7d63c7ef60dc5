/** Remembers a value per key for a window, e.g. a msgid per client_msg_id. */
export class IdempotencyMap<T> {
  private readonly entries = new Map<string, { readonly value: T; readonly at: number }>();

  /** The value stored under `key` less than `windowMs` before `now`, with its age. */
  find(key: string, now: number, windowMs: number): { readonly value: T; readonly ageMs: number } | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || now - entry.at >= windowMs) return undefined;
    return { value: entry.value, ageMs: now - entry.at };
  }

  remember(key: string, value: T, now: number): void {
    this.entries.set(key, { value, at: now });
  }

  clear(): void {
    this.entries.clear();
  }
}
