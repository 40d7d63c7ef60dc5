/**
 * Remembers a value per key for a window, e.g. a msgid per client_msg_id. Every key is
 * remembered with the same window (the one `find` and `remember` are given), so a key whose
 * window has passed is forgotten as later keys are remembered: the map holds the keys of one
 * window, not of the whole run (a push of 1,000,000 sends kept 1,000,000 keys).
 *
 * The entries sit in a ring, oldest first, as columns (key, value, time) with a slot per key:
 * no object per entry (a window of template sends at 5,000/s is 3,000,000 of them). A forgotten
 * entry's value stays in its slot until the slot is reused (numbers stay unboxed in the column).
 */
export class IdempotencyMap<T> {
  private readonly slots = new Map<string, number>();
  private keys: (string | undefined)[] = new Array<string | undefined>(initialSlots);
  private values: (T | undefined)[] = new Array<T | undefined>(initialSlots);
  private times: Float64Array = new Float64Array(initialSlots);
  /** The oldest entry's slot; the entries run from it, wrapping around. */
  private head = 0;
  /** Slots between the oldest and the newest entry left by keys remembered again later. */
  private gaps = 0;

  /** The value stored under `key` less than `windowMs` before `now`, with its age. */
  find(key: string, now: number, windowMs: number): { readonly value: T; readonly ageMs: number } | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    const ageMs = now - (this.times[slot] ?? 0);
    if (ageMs >= windowMs) return undefined;
    return { value: this.values[slot] as T, ageMs };
  }

  /**
   * Stores `value` under `key` at `now` (a key stored again moves to the newest end), and forgets
   * the oldest keys whose `windowMs` had passed at `now` — those `find` no longer returns, unless
   * the clock is moved back past them.
   */
  remember(key: string, value: T, now: number, windowMs: number): void {
    this.forgetExpired(now, windowMs);
    const earlier = this.slots.get(key);
    if (earlier !== undefined) {
      // Its slot stays as a gap, skipped when it becomes the oldest.
      this.keys[earlier] = undefined;
      this.slots.delete(key);
      this.gaps += 1;
    }
    if (this.slots.size + this.gaps >= this.keys.length) this.grow();
    const slot = (this.head + this.slots.size + this.gaps) % this.keys.length;
    this.keys[slot] = key;
    this.values[slot] = value;
    this.times[slot] = now;
    this.slots.set(key, slot);
  }

  /** How many keys are remembered (those of the current window, and any not yet forgotten). */
  get size(): number {
    return this.slots.size;
  }

  clear(): void {
    this.slots.clear();
    this.keys = new Array<string | undefined>(initialSlots);
    this.values = new Array<T | undefined>(initialSlots);
    this.times = new Float64Array(initialSlots);
    this.head = 0;
    this.gaps = 0;
  }

  /** Drops the oldest entries whose window had passed at `now`, and the gaps before them. */
  private forgetExpired(now: number, windowMs: number): void {
    while (this.slots.size > 0) {
      const key = this.keys[this.head];
      if (key !== undefined && now - (this.times[this.head] ?? 0) < windowMs) return;
      this.keys[this.head] = undefined;
      this.head = (this.head + 1) % this.keys.length;
      if (key === undefined) this.gaps -= 1;
      else this.slots.delete(key);
    }
    // Nothing left but gaps.
    this.head = 0;
    this.gaps = 0;
  }

  /** Twice the slots, the entries moved to start at 0 in their order (the gaps left out). */
  private grow(): void {
    const used = this.slots.size + this.gaps;
    const length = this.keys.length * 2;
    const keys = new Array<string | undefined>(length);
    const values = new Array<T | undefined>(length);
    const times = new Float64Array(length);
    let next = 0;
    for (let i = 0; i < used; i++) {
      const from = (this.head + i) % this.keys.length;
      const key = this.keys[from];
      if (key === undefined) continue;
      keys[next] = key;
      values[next] = this.values[from];
      times[next] = this.times[from] ?? 0;
      this.slots.set(key, next);
      next += 1;
    }
    this.keys = keys;
    this.values = values;
    this.times = times;
    this.head = 0;
    this.gaps = 0;
  }
}

const initialSlots = 64;
