/**
 * A virtual clock for running the wired operator for simulated minutes: it implements the
 * operator's `Timers` port and its `clock`, and moves only when the test advances it. Between
 * two due timers it lets the real world settle (HTTP to the API-server double, watch events,
 * reconciles), so every timer fires into a quiet operator, in order, at its virtual time.
 */
import type { TimerHandle, Timers } from '../../src/kube/timers.js';

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

export class VirtualClock implements Timers {
  private time: number;
  private sequence = 0;
  private readonly pending = new Map<number, Pending>();
  /** Timers fired so far. */
  fired = 0;

  constructor(start: number) {
    this.time = start;
  }

  readonly now = (): number => this.time;

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    this.sequence += 1;
    const id = this.sequence;
    this.pending.set(id, { id, at: this.time + Math.max(0, delayMs), callback });
    return { id } as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    const id = (handle as { id?: number } | undefined)?.id;
    if (id !== undefined) this.pending.delete(id);
  }

  /** Fires every timer due up to `target` in time order, awaiting `settle` after each; ends at `target`. */
  async advanceTo(target: number, settle: () => Promise<void>, onStep?: (now: number) => void): Promise<void> {
    await settle();
    for (;;) {
      const next = [...this.pending.values()].sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (next === undefined || next.at > target) break;
      this.pending.delete(next.id);
      this.time = Math.max(this.time, next.at);
      onStep?.(this.time);
      this.fired += 1;
      next.callback();
      await settle();
    }
    this.time = target;
    onStep?.(this.time);
  }
}

/** Resolves once `isIdle` has held for `quietMs` of real time (polling every 5 ms). */
export async function quiescence(isIdle: () => boolean, quietMs = 25, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietSince: number | undefined;
  for (;;) {
    const now = Date.now();
    if (isIdle()) {
      quietSince ??= now;
      if (now - quietSince >= quietMs) return;
    } else quietSince = undefined;
    if (now > deadline) throw new Error('the operator never went quiet');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
