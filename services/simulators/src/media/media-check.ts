import { WxApiError } from '../http/wx-errors.js';
import type { MediaStore } from './media-store.js';

type Body = Readonly<Record<string, unknown>>;

function field(body: Body, key: string): Body | undefined {
  const value = body[key];
  return value !== null && typeof value === 'object' ? (value as Body) : undefined;
}

/**
 * The temporary-media ids a message names: `image` / `voice` / `video` `.media_id`, and a mass
 * image's `images.media_ids` (sendall's form; SDKs still send the single `image.media_id`).
 * Articles (`mpnews`: drafts), `mpvideo` (uploadvideo), music thumbnails and permanent material
 * come from APIs outside the reference, so their ids are not checked.
 */
export function mediaIdsOf(msgtype: string, body: Body): readonly unknown[] {
  if (msgtype === 'image') {
    const images = field(body, 'images')?.['media_ids'];
    if (Array.isArray(images)) return images;
    return [field(body, 'image')?.['media_id']];
  }
  if (msgtype === 'voice' || msgtype === 'video') return [field(body, msgtype)?.['media_id']];
  return [];
}

/** 40007 unless each id is a file of the account the simulator holds (uploaded, not expired, not dropped). */
export function requireMedia(media: MediaStore, appId: string, msgtype: string, body: Body): void {
  for (const id of mediaIdsOf(msgtype, body)) {
    if (typeof id !== 'string' || media.get(appId, id) === undefined) throw new WxApiError(40007);
  }
}
