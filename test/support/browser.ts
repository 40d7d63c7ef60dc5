import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningDev, startDev } from '@mpstack/cli';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, which scripts/ensure-browser.sh installs (make test runs it). */
export const chromiumPath = '/usr/bin/chromium';

/** What the browser tests run against: `mpstack dev` on free ports in a fresh data directory, and headless Chromium. */
export interface BrowserStand {
  readonly dev: RunningDev;
  readonly browser: Browser;
  readonly close: () => Promise<void>;
}

export async function startBrowserStand(prefix: string): Promise<BrowserStand> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: run scripts/ensure-browser.sh (make test does)`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const dev = await startDev(
    { MPSTACK_DATA_DIR: dataDir, MPSTACK_LOG_LEVEL: 'warn' },
    { ingressPort: 0, simulatorPort: 0, logPort: 0, businessPort: 0, adminPort: 0 },
  );
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    dev,
    browser,
    close: async () => {
      await browser.close();
      await dev.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The URL `mpstack dev` prints under a name starting with `prefix` (`phone`, `console`). */
export function devUrl(dev: RunningDev, prefix: string): string {
  const url = Object.entries(dev.urls).find(([name]) => name.startsWith(prefix))?.[1];
  if (url === undefined) throw new Error(`no ${prefix} URL in ${JSON.stringify(dev.urls)}`);
  return url;
}
