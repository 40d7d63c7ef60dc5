import Denque from 'denque';

/** A call with a deadline (`Date.now()` ms) that may finish before it. */
export interface Bounded {
  readonly deadline: number;
  readonly isDone: boolean;
}

/** The calls bounded by one timeout, in the order they were made — so in deadline order. */
interface Queue<T> {
  readonly calls: Denque<T>;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Deadlines of many calls with one timer per timeout length instead of one per call: calls
 * made with the same timeout expire in the order they were made, so only the oldest
 * unfinished one needs a timer. `onExpired` is told of each call still unfinished at its
 * deadline. A finished call is dropped when it reaches the front; the timer is cleared once
 * no call is left (it does not hold the process open after the last call).
 */
export class Deadlines<T extends Bounded> {
  private readonly queues = new Map<number, Queue<T>>();

  constructor(private readonly onExpired: (call: T, timeoutMs: number) => void) {}

  add(call: T, timeoutMs: number): void {
    let queue = this.queues.get(timeoutMs);
    if (queue === undefined) {
      queue = { calls: new Denque<T>(), timer: undefined };
      this.queues.set(timeoutMs, queue);
    }
    queue.calls.push(call);
    if (queue.timer === undefined) this.arm(queue, timeoutMs, call.deadline);
  }

  /** Called when `call` finished: drops the finished calls at the front of its queue. */
  forget(call: T): void {
    for (const [timeoutMs, queue] of this.queues) {
      if (queue.calls.peekFront() !== call) continue;
      while (queue.calls.peekFront()?.isDone === true) queue.calls.shift();
      if (queue.calls.isEmpty()) {
        clearTimeout(queue.timer);
        this.queues.delete(timeoutMs);
      }
      return;
    }
  }

  clear(): void {
    for (const queue of this.queues.values()) clearTimeout(queue.timer);
    this.queues.clear();
  }

  private arm(queue: Queue<T>, timeoutMs: number, deadline: number): void {
    queue.timer = setTimeout(() => this.expire(queue, timeoutMs), Math.max(0, deadline - Date.now()));
  }

  private expire(queue: Queue<T>, timeoutMs: number): void {
    queue.timer = undefined;
    const now = Date.now();
    for (let front = queue.calls.peekFront(); front !== undefined; front = queue.calls.peekFront()) {
      if (!front.isDone && front.deadline > now) {
        this.arm(queue, timeoutMs, front.deadline);
        return;
      }
      queue.calls.shift();
      if (!front.isDone) this.onExpired(front, timeoutMs);
    }
    if (this.queues.get(timeoutMs) === queue) this.queues.delete(timeoutMs);
  }
}
