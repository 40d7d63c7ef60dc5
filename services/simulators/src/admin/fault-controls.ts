import type { Request, Response, Router } from 'express';
import {
  type ApiQuota,
  type FaultEffect,
  type FaultSpec,
  type HostName,
  hostDownModes,
  hostNames,
} from '../faults/fault-store.js';
import type { SimulatorState } from '../simulator-state.js';
import type { SimAccount } from '../types.js';

function fail(res: Response, status: number, message: string): void {
  res.status(status).json({ error: { code: status === 404 ? 'not_found' : 'bad_request', message } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** `appId` or `account` (short id or AppID) of a body; '' when it names no account. */
function appIdOf(state: SimulatorState, body: Record<string, unknown>): string | undefined {
  const key = typeof body.appId === 'string' ? body.appId : typeof body.account === 'string' ? body.account : undefined;
  if (key === undefined) return undefined;
  return (state.accounts.byAppId(key) ?? state.accounts.byId(key))?.appId ?? '';
}

function effectOf(body: Record<string, unknown>): FaultEffect | string {
  const chosen = ['errcode', 'status', 'drop'].filter((name) => body[name] !== undefined && body[name] !== false);
  if (chosen.length > 1) return 'give one of errcode, status, drop';
  if (typeof body.errcode === 'number' && Number.isInteger(body.errcode) && body.errcode !== 0) {
    return { kind: 'errcode', errcode: body.errcode };
  }
  if (typeof body.status === 'number' && body.status >= 500 && body.status <= 599) {
    return { kind: 'status', status: body.status };
  }
  if (body.drop === true) return { kind: 'drop' };
  if (chosen.length === 0 && positiveInt(body.delayMs) !== undefined) return { kind: 'delay' };
  return 'a fault needs errcode (non-zero), status (500–599), drop: true, or delayMs alone';
}

/** What is wrong with a fault's optional fields, if anything. */
function optionsProblem(body: Record<string, unknown>): string | undefined {
  const { host, probability, phase } = body;
  if (host !== undefined && !hostNames.includes(host as HostName)) return 'host must be api or api2';
  if (probability !== undefined && !(typeof probability === 'number' && probability > 0 && probability <= 1)) {
    return 'probability must be in (0, 1]';
  }
  if (phase !== undefined && phase !== 'before' && phase !== 'after') return 'phase must be before or after';
  if (body.times !== undefined && positiveInt(body.times) === undefined) return 'times must be a positive integer';
  if (body.delayMs !== undefined && positiveInt(body.delayMs) === undefined)
    return 'delayMs must be a positive integer';
  return undefined;
}

/** A fault from a control body, or what is wrong with it. */
function faultSpecOf(state: SimulatorState, body: Record<string, unknown>): FaultSpec | string {
  const api = body.api;
  if (typeof api !== 'string' || (api !== '*' && !api.startsWith('/'))) return 'api must be an API path or *';
  const effect = effectOf(body);
  if (typeof effect === 'string') return effect;
  const appId = appIdOf(state, body);
  if (appId === '') return 'no such account';
  const problem = optionsProblem(body);
  if (problem !== undefined) return problem;
  const times = positiveInt(body.times);
  const delayMs = positiveInt(body.delayMs);
  return {
    api,
    effect,
    ...(appId === undefined ? {} : { appId }),
    ...(body.host === undefined ? {} : { host: body.host as HostName }),
    ...(body.phase === undefined ? {} : { phase: body.phase as 'before' | 'after' }),
    ...(times === undefined ? {} : { times }),
    ...(typeof body.probability === 'number' ? { probability: body.probability } : {}),
    ...(delayMs === undefined ? {} : { delayMs }),
  };
}

function quotaOf(state: SimulatorState, body: Record<string, unknown>): ApiQuota | string {
  if (typeof body.api !== 'string' || (body.api !== '*' && !body.api.startsWith('/'))) {
    return 'api must be an API path or *';
  }
  const daily = positiveInt(body.daily) ?? (body.daily === 0 ? 0 : undefined);
  const perMinute = positiveInt(body.perMinute) ?? (body.perMinute === 0 ? 0 : undefined);
  if (daily === undefined && perMinute === undefined) return 'a quota needs daily and/or perMinute (integers ≥ 0)';
  const appId = appIdOf(state, body);
  if (appId === '') return 'no such account';
  return {
    api: body.api,
    ...(appId === undefined ? {} : { appId }),
    ...(daily === undefined ? {} : { daily }),
    ...(perMinute === undefined ? {} : { perMinute }),
  };
}

/**
 * `/_sim` fault controls for testing a WeChat client: injected faults per API, hosts down,
 * per-API quotas, call counters, an AppSecret reset and token invalidation. The simulator's
 * index page and README describe them.
 */
export function addFaultControls(
  router: Router,
  state: SimulatorState,
  accountOf: (req: Request, res: Response) => SimAccount | undefined,
): void {
  const { faults } = state;
  router.get('/_sim/faults', (_req: Request, res: Response) => {
    res.json({ faults: faults.list(), hosts: faults.hosts(), quotas: faults.listQuotas() });
  });

  router.post('/_sim/faults', (req: Request, res: Response) => {
    const spec = faultSpecOf(state, isRecord(req.body) ? req.body : {});
    if (typeof spec === 'string') fail(res, 400, spec);
    else res.status(201).json({ fault: faults.add(spec) });
  });

  router.delete('/_sim/faults/:id', (req: Request, res: Response) => {
    if (faults.remove(Number(req.params.id))) res.json({ removed: Number(req.params.id) });
    else fail(res, 404, `no fault ${req.params.id}`);
  });

  // Every fault and quota, and both hosts up; the counters stay (DELETE /_sim/calls clears them).
  router.delete('/_sim/faults', async (_req: Request, res: Response) => {
    faults.clear();
    await Promise.all(hostNames.map((host) => faults.setHostDown(host, undefined)));
    res.json({ ok: true });
  });

  router.post('/_sim/hosts/:host', async (req: Request, res: Response) => {
    const host = req.params.host as HostName;
    const body: Record<string, unknown> = isRecord(req.body) ? req.body : {};
    const mode = body.mode ?? 'refuse';
    if (!hostNames.includes(host)) return fail(res, 404, `no host ${host}; api or api2`);
    if (typeof body.isDown !== 'boolean' || !hostDownModes.includes(mode as never)) {
      return fail(res, 400, `{ isDown: boolean, mode?: ${hostDownModes.join(' | ')} }`);
    }
    const downMode = body.isDown ? (mode as (typeof hostDownModes)[number]) : undefined;
    // Closing the host this control came in on would close its own connection first: answer,
    // then close (the answer already shows the host down).
    if (downMode === 'refuse' && faults.hostOfPort(req.socket.localPort) === host) {
      res.on('finish', () => void faults.setHostDown(host, downMode));
      res.json({ hosts: { ...faults.hosts(), [host]: { isDown: true, mode: downMode } } });
      return;
    }
    await faults.setHostDown(host, downMode);
    res.json({ hosts: faults.hosts() });
  });

  router.put('/_sim/quotas', (req: Request, res: Response) => {
    const quota = quotaOf(state, isRecord(req.body) ? req.body : {});
    if (typeof quota === 'string') return fail(res, 400, quota);
    faults.setQuota(quota);
    res.json({ quotas: faults.listQuotas() });
  });

  router.get('/_sim/calls', (req: Request, res: Response) => {
    const api = typeof req.query.api === 'string' ? req.query.api : undefined;
    const appId = typeof req.query.appid === 'string' ? appIdOf(state, { account: req.query.appid }) : undefined;
    res.json({
      calls: faults.calls({ ...(api === undefined ? {} : { api }), ...(appId === undefined ? {} : { appId }) }),
    });
  });

  router.delete('/_sim/calls', (_req: Request, res: Response) => {
    faults.resetCalls();
    res.json({ ok: true });
  });

  router.post('/_sim/accounts/:account/secret', (req: Request, res: Response) => {
    const account = accountOf(req, res);
    if (account === undefined) return;
    const body: Record<string, unknown> = isRecord(req.body) ? req.body : {};
    if (body.appSecret !== undefined && (typeof body.appSecret !== 'string' || body.appSecret === '')) {
      return fail(res, 400, 'appSecret must be a non-empty string');
    }
    res.json({ appSecret: state.resetSecret(account.appId, body.appSecret as string | undefined) });
  });

  // Another party refreshed the token long ago: every token of the account now answers 40001.
  router.post('/_sim/accounts/:account/tokens/invalidate', (req: Request, res: Response) => {
    const account = accountOf(req, res);
    if (account === undefined) return;
    state.tokens.revokeAll(account.appId);
    res.json({ ok: true });
  });
}
