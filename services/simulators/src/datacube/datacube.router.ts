import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import { jsonBody } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import { beijingDate, type DatacubeStore } from './datacube-store.js';

export interface DatacubeRouterDeps {
  readonly authorize: Authorize;
  readonly datacube: DatacubeStore;
  readonly clock: Clock;
}

/** "data from 2014-12-01" (every datacube entry of api.json). */
export const firstDataDate = '2014-12-01';

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;
const dayMs = 86_400_000;

/** A `YYYY-MM-DD` calendar date as its UTC midnight, or 61500 "date format error". */
function dayOf(value: unknown): number {
  const match = typeof value === 'string' ? isoDate.exec(value) : null;
  if (match === null) throw new WxApiError(61500);
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const ms = Date.UTC(year, month - 1, day);
  // Date.UTC rolls 2025-02-30 over into March: such a date is no date.
  if (new Date(ms).toISOString().slice(0, 10) !== value) throw new WxApiError(61500);
  return ms;
}

/**
 * The dates a query covers, checked as the reference states: YYYY-MM-DD (61500), begin ≤ end,
 * at most `maxDays` days, from 2014-12-01, ending yesterday (Beijing) at the latest (61501).
 */
function datesOf(body: Record<string, unknown>, maxDays: number, today: string): string[] {
  const begin = dayOf(body.begin_date);
  const end = dayOf(body.end_date);
  const days = (end - begin) / dayMs + 1;
  if (days < 1 || days > maxDays || begin < dayOf(firstDataDate) || end >= dayOf(today)) throw new WxApiError(61501);
  return Array.from({ length: days }, (_, i) => new Date(begin + i * dayMs).toISOString().slice(0, 10));
}

/**
 * The analytics endpoints the reference has (datacubeGetUserSummary … GetInterfaceSummary),
 * answered from the simulator's own records: `{ list: [...] }`, each row with its `ref_date`.
 * Spans: 7 days for users and messages, 30 for the interface summary.
 */
export function createDatacubeRouter({ authorize, datacube, clock }: DatacubeRouterDeps): Router {
  const router = Router();
  const routes: readonly [string, number, (appId: string, dates: readonly string[]) => Record<string, unknown>[]][] = [
    ['/datacube/getusersummary', 7, (appId, dates) => datacube.userSummary(appId, dates)],
    ['/datacube/getusercumulate', 7, (appId, dates) => datacube.userCumulate(appId, dates)],
    ['/datacube/getupstreammsg', 7, (appId, dates) => datacube.upstreamMessages(appId, dates)],
    ['/datacube/getinterfacesummary', 30, (appId, dates) => datacube.interfaceSummary(appId, dates)],
  ];
  for (const [path, maxDays, rows] of routes) {
    router.post(path, (req: Request, res: Response) => {
      const account = authorize(req);
      const dates = datesOf(jsonBody(req), maxDays, beijingDate(clock()));
      res.json({ list: rows(account.appId, dates) });
    });
  }
  return router;
}
