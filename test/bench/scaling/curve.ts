/**
 * The festival traffic curve: a mass push to 20 % of 2 million followers (400 000 messages)
 * whose replies arrive within 30 minutes, front-loaded: 40 % in the first 5 minutes with the
 * peak at minute 2 (a gamma-shaped spike), the rest decaying exponentially to minute 30 and
 * continuous at minute 5. Rates are messages per second at second `t` after the push starts.
 */
export interface FestivalCurve {
  readonly rateAt: (t: number) => number;
  readonly peakRate: number;
}

const spike = (t: number, peakAt: number) => (t / peakAt) * Math.exp(1 - t / peakAt);

function integrate(f: (t: number) => number, from: number, to: number): number {
  let sum = 0;
  for (let t = from; t < to; t++) sum += f(t + 0.5);
  return sum;
}

export function festivalCurve(
  options: {
    readonly messages?: number;
    readonly durationSeconds?: number;
    readonly spikeShare?: number;
    readonly spikeSeconds?: number;
    readonly peakAtSeconds?: number;
  } = {},
): FestivalCurve {
  const messages = options.messages ?? 400_000;
  const duration = options.durationSeconds ?? 1800;
  const spikeEnd = options.spikeSeconds ?? 300;
  const peakAt = options.peakAtSeconds ?? 120;
  const spikeMessages = messages * (options.spikeShare ?? 0.4);
  const spikeScale = spikeMessages / integrate((t) => spike(t, peakAt), 0, spikeEnd);
  const atJoin = spikeScale * spike(spikeEnd, peakAt);
  const tailMessages = messages - spikeMessages;
  // Solve atJoin · τ · (1 − e^(−span/τ)) = tail messages for the decay constant τ by bisection.
  const span = duration - spikeEnd;
  let lo = 1;
  let hi = 1e6;
  for (let i = 0; i < 200; i++) {
    const tau = (lo + hi) / 2;
    if (atJoin * tau * (1 - Math.exp(-span / tau)) > tailMessages) hi = tau;
    else lo = tau;
  }
  const tau = (lo + hi) / 2;
  const rateAt = (t: number): number => {
    if (t < 0 || t >= duration) return 0;
    return t < spikeEnd ? spikeScale * spike(t, peakAt) : atJoin * Math.exp(-(t - spikeEnd) / tau);
  };
  return { rateAt, peakRate: spikeScale };
}
