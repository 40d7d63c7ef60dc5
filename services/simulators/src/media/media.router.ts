import { randomBytes } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import { queryParam, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import {
  articleImageRule,
  contentTypeOf,
  extensionOf,
  isMediaType,
  type MediaRule,
  temporaryMediaRules,
} from './media-formats.js';
import type { MediaStore } from './media-store.js';
import { readMediaPart } from './multipart.js';

export interface MediaRouterDeps {
  readonly authorize: Authorize;
  readonly media: MediaStore;
}

/** Paths whose body is multipart/form-data: the API's text body reader must leave them alone. */
export const multipartPaths: ReadonlySet<string> = new Set(['/cgi-bin/media/upload', '/cgi-bin/media/uploadimg']);

/** Where a stored video is downloaded from (the `video_url` media/get answers; no token, as a CDN link). */
const videoDownloadPath = '/mmbiz/video/:mediaId';

/**
 * Reads the `media` part and checks it against the rule: none → 41005, empty → 44001, an
 * extension the kind does not take → 40005 (WeChat judges the file name's extension: a part
 * without one is the usual cause of 40005), too large → the kind's size errcode.
 */
async function readChecked(req: Request, rule: MediaRule): Promise<{ extension: string; bytes: Buffer }> {
  const file = await readMediaPart(req, rule.maxBytes);
  if (file === undefined) throw new WxApiError(41005);
  if (file.bytes.length === 0 && !file.isTooLarge) throw new WxApiError(44001);
  const extension = extensionOf(file.filename);
  if (!rule.extensions.includes(extension)) throw new WxApiError(40005);
  if (file.isTooLarge) throw new WxApiError(rule.sizeErrcode);
  return { extension, bytes: file.bytes };
}

/**
 * Temporary media (api.json uploadTempMedia, getTempMedia) and article images
 * (uploadArticleImage). Uploads are multipart/form-data with one file part named `media`;
 * temporary media live 3 days on the simulator clock, then 40007.
 */
export function createMediaRouter({ authorize, media }: MediaRouterDeps): Router {
  const router = Router();

  router.post('/cgi-bin/media/upload', async (req: Request, res: Response) => {
    const account = authorize(req);
    const type = queryParam(req, 'type');
    if (!isMediaType(type)) throw new WxApiError(40004);
    const { extension, bytes } = await readChecked(req, temporaryMediaRules[type]);
    const stored = media.add(account.appId, type, extension, bytes);
    // The reference's quirk: a thumb's id comes back as thumb_media_id, without media_id.
    const idField = type === 'thumb' ? 'thumb_media_id' : 'media_id';
    sendOk(res, { type, [idField]: stored.mediaId, created_at: Math.floor(stored.createdAt / 1000) });
  });

  router.get('/cgi-bin/media/get', (req: Request, res: Response) => {
    const account = authorize(req);
    const stored = media.get(account.appId, queryParam(req, 'media_id') ?? '');
    if (stored === undefined) throw new WxApiError(40007);
    if (stored.type === 'video') {
      // Videos answer JSON with a download link instead of their bytes.
      res.json({
        video_url: `http://${req.get('host') ?? '127.0.0.1'}${videoDownloadPath.replace(':mediaId', stored.mediaId)}`,
      });
      return;
    }
    res.setHeader('Content-Type', contentTypeOf(stored.extension));
    res.setHeader('Content-disposition', `attachment; filename="${stored.mediaId}.${stored.extension}"`);
    res.end(stored.bytes);
  });

  router.get(videoDownloadPath, (req: Request, res: Response) => {
    const stored = media.find(String(req.params.mediaId));
    if (stored?.type !== 'video') {
      res.status(404).end();
      return;
    }
    res.setHeader('Content-Type', contentTypeOf(stored.extension));
    res.end(stored.bytes);
  });

  router.post('/cgi-bin/media/uploadimg', async (req: Request, res: Response) => {
    authorize(req);
    const { extension } = await readChecked(req, articleImageRule);
    // The image is not kept: the URL is WeChat's CDN shape, for articles the simulator does not render.
    const folder = extension === 'png' ? 'mmbiz_png' : 'mmbiz_jpg';
    sendOk(res, { url: `http://mmbiz.qpic.cn/${folder}/${randomBytes(24).toString('base64url')}/0` });
  });

  return router;
}
