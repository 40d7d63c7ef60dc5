/**
 * `node --import` this file to record what a process loads: ES modules through the resolve
 * hook, CommonJS modules (the drivers are CommonJS) from the require cache at exit.
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env['MPSTACK_LOAD_LOG'];
if (log !== undefined) {
  register('./load-hooks.js', import.meta.url, { data: { log } });
  const require = createRequire(import.meta.url);
  process.on('exit', () => {
    appendFileSync(log, `${Object.keys(require.cache).join('\n')}\n`);
  });
}
