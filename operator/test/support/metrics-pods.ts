/**
 * Pods that serve `/metrics` on loopback for the wired operator: each simulated pod gets its
 * own 127.0.0.x address (Linux routes all of 127/8 to the loopback interface) and one HTTP
 * server answers for all of them, telling pods apart by the address a request arrived on.
 * Each pod's `mpstack_requests_total` grows with the load model on the VIRTUAL clock: the
 * counter is integrated in 1 s steps of simulated time over the pods of the service.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PodNetwork } from './fake-apiserver/simulated-controller.js';

/** Requests per second one pod of the service receives at `t` (ms) when `pods` share the load. */
export type PerPodRate = (t: number, pods: number) => number;

export interface MetricsPods extends PodNetwork {
  /** Accrues every pod's counter up to `now` (call whenever the virtual clock moves). */
  advance(now: number): void;
  /** Scrapes answered so far. */
  readonly scrapes: () => number;
  close(): Promise<void>;
}

export async function startMetricsPods(options: {
  readonly start: number;
  readonly rate: PerPodRate;
  /** The live pods of the loaded service, by name (a deleted pod stops sharing the load). */
  readonly livePods: () => readonly string[];
}): Promise<MetricsPods> {
  const counters = new Map<string, number>();
  const byAddress = new Map<string, string>();
  let nextHost = 10;
  let last = options.start;
  let scrapes = 0;
  const server: Server = createServer((req, res) => {
    const pod = byAddress.get(req.socket.localAddress?.replace(/^::ffff:/, '') ?? '');
    if (pod === undefined || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrapes += 1;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE mpstack_requests_total counter\nmpstack_requests_total ${counters.get(pod) ?? 0}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    address(pod) {
      nextHost += 1;
      const podIP = `127.0.${Math.floor(nextHost / 250)}.${(nextHost % 250) + 2}`;
      byAddress.set(podIP, pod);
      counters.set(pod, 0);
      return { podIP, httpPort: port };
    },
    advance(now) {
      const loaded = options.livePods();
      for (; last + 1000 <= now; last += 1000) {
        const perPod = options.rate(last + 500, loaded.length);
        for (const pod of loaded) counters.set(pod, (counters.get(pod) ?? 0) + perPod);
      }
    },
    scrapes: () => scrapes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
