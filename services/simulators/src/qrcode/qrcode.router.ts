import { type Request, type Response, Router } from 'express';
import QRCode from 'qrcode';
import type { Clock } from '../clock.js';
import { jsonBody, queryParam } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import type { SimLimits } from '../types.js';
import { type QrAction, type QrCode, type QrCodeStore, type QrScene, qrActions } from './qrcode-store.js';

export interface QrCodeRouterDeps {
  readonly authorize: Authorize;
  readonly qrcodes: QrCodeStore;
  readonly limits: () => SimLimits;
  readonly clock: Clock;
}

/** Generating_a_Parametric_QR_Code doc: temporary codes live at most 30 days, 60 s by default. */
export const maxExpireSeconds = 2_592_000;
export const defaultExpireSeconds = 60;
const maxTemporarySceneId = 0xffff_ffff;
const maxPermanentSceneId = 100_000;
const maxSceneStrLength = 64;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The scene of a create request: `scene_id` for QR_SCENE (32-bit, non-zero) and
 * QR_LIMIT_SCENE (1–100 000), `scene_str` (1–64 characters) for the `_STR_` actions.
 * Anything else is 40053, as the API answers an action it cannot take.
 */
function sceneOf(action: QrAction, actionInfo: unknown): QrScene {
  const scene = isRecord(actionInfo) && isRecord(actionInfo.scene) ? actionInfo.scene : undefined;
  if (action === 'QR_STR_SCENE' || action === 'QR_LIMIT_STR_SCENE') {
    const str = scene?.scene_str;
    if (typeof str !== 'string' || str.length === 0 || str.length > maxSceneStrLength) throw new WxApiError(40053);
    return { str };
  }
  const id = scene?.scene_id;
  const max = action === 'QR_SCENE' ? maxTemporarySceneId : maxPermanentSceneId;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > max) throw new WxApiError(40053);
  return { id };
}

/** `expire_seconds` of a temporary code: 60 when omitted, at most 30 days. */
function expireSecondsOf(value: unknown): number {
  if (value === undefined) return defaultExpireSeconds;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new WxApiError(40053);
  return Math.min(value, maxExpireSeconds);
}

function describe(code: QrCode, now: number): Record<string, unknown> {
  return code.expiresAt === null
    ? { ticket: code.ticket, url: code.url }
    : { ticket: code.ticket, expire_seconds: Math.round((code.expiresAt - now) / 1000), url: code.url };
}

/**
 * `POST /cgi-bin/qrcode/create` (temporary and permanent parametric codes, at most
 * `permanentQrCodes` permanent ones per account, one per scene) and
 * `GET /cgi-bin/showqrcode?ticket=` — on `mp.weixin.qq.com` in WeChat, no token — which
 * answers the code's image (a PNG of its `url`) or 404 for an unknown or expired ticket.
 */
export function createQrCodeRouter({ authorize, qrcodes, limits, clock }: QrCodeRouterDeps): Router {
  const router = Router();
  router.post('/cgi-bin/qrcode/create', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const action = qrActions.find((name) => name === body.action_name);
    if (action === undefined) throw new WxApiError(40053);
    const scene = sceneOf(action, body.action_info);
    const now = clock();
    const code =
      action === 'QR_SCENE' || action === 'QR_STR_SCENE'
        ? qrcodes.createTemporary(account.appId, scene, expireSecondsOf(body.expire_seconds))
        : qrcodes.createPermanent(account.appId, scene, limits().permanentQrCodes);
    if (code === undefined) throw new WxApiError(40053);
    res.json(describe(code, now));
  });

  router.get('/cgi-bin/showqrcode', async (req: Request, res: Response) => {
    const code = qrcodes.resolve(queryParam(req, 'ticket') ?? '');
    if (code === undefined) {
      res.status(404).type('text/plain').send('no such QR code (unknown or expired ticket)');
      return;
    }
    res.type('image/png').send(await QRCode.toBuffer(code.url, { type: 'png', margin: 2, width: 430 }));
  });
  return router;
}
