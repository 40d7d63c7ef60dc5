/**
 * Preloaded into a server under benchmark (`node --import …/profile-on-signal.js`): the first
 * SIGUSR2 starts the V8 CPU profiler, the next one stops it and writes
 * `BENCH_PROFILE_DIR/<pid>-<n>.cpuprofile` — so a profile covers exactly the measured run,
 * not start-up or warm-up. Open it in Chrome DevTools or summarise it with any cpuprofile tool.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR ?? '.';
let session: Session | undefined;
let written = 0;

process.on('SIGUSR2', () => {
  if (session === undefined) {
    const started = new Session();
    started.connect();
    started.post('Profiler.enable', () =>
      started.post('Profiler.setSamplingInterval', { interval: 200 }, () => started.post('Profiler.start')),
    );
    session = started;
    return;
  }
  const stopping = session;
  session = undefined;
  stopping.post('Profiler.stop', (error, result) => {
    if (error === null) {
      written += 1;
      writeFileSync(join(dir, `${process.pid}-${written}.cpuprofile`), JSON.stringify(result.profile));
    }
    stopping.disconnect();
  });
});
