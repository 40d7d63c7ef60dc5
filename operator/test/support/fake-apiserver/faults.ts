/**
 * TEST DOUBLE — fault injection and the request log of the fake Kubernetes API server.
 * Tests make the next N matching requests fail (500, 409, 429, …) and read back every
 * request the client sent (method, path, content type) to assert what was — and was not —
 * written.
 */

/** One request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly contentType: string | undefined;
  readonly isWatch: boolean;
  status: number;
}

export interface FaultRule {
  /** Matches when the request path contains this string (or matches this pattern). */
  readonly path: string | RegExp;
  readonly method?: string;
  readonly status: number;
  /** How many matching requests fail; 1 unless given. */
  readonly times?: number;
  /** Match only watch requests (true), only non-watch requests (false), or both (undefined). */
  readonly isWatch?: boolean;
}

interface ActiveRule extends FaultRule {
  remaining: number;
}

/** The fault rules and the request log. */
export class Faults {
  readonly requests: RecordedRequest[] = [];
  private readonly rules: ActiveRule[] = [];

  /** Makes the next `times` requests matching the rule fail with `status`. */
  failNext(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  /** The status a request must fail with, if a rule matches (and consumes one use of it). */
  take(request: RecordedRequest): number | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && matches(r, request));
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    return rule.status;
  }

  /** The recorded writes (everything but GET), optionally only those after index `from`. */
  writes(from = 0): RecordedRequest[] {
    return this.requests.slice(from).filter((r) => r.method !== 'GET');
  }
}

function matches(rule: FaultRule, request: RecordedRequest): boolean {
  if (rule.method !== undefined && rule.method !== request.method) return false;
  if (rule.isWatch !== undefined && rule.isWatch !== request.isWatch) return false;
  return typeof rule.path === 'string' ? request.path.includes(rule.path) : rule.path.test(request.path);
}
