import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';

/** The four `action_name`s of `/cgi-bin/qrcode/create`. */
export const qrActions = ['QR_SCENE', 'QR_STR_SCENE', 'QR_LIMIT_SCENE', 'QR_LIMIT_STR_SCENE'] as const;
export type QrAction = (typeof qrActions)[number];

/** A scene: a number (`scene_id`) or a string (`scene_str`), as the code was created with. */
export type QrScene = { readonly id: number } | { readonly str: string };

export interface QrCode {
  readonly ticket: string;
  readonly url: string;
  readonly appId: string;
  readonly scene: QrScene;
  /** Epoch ms; null for permanent codes. */
  readonly expiresAt: number | null;
}

/** A scene as it appears in events: `EventKey` carries the id or the string. */
export function sceneValue(scene: QrScene): string {
  return 'id' in scene ? String(scene.id) : scene.str;
}

/**
 * Parametric QR codes. Temporary codes get a new ticket on every call and stop resolving at
 * expiry; a permanent code is one per scene (asking again returns the same ticket) and at most
 * `permanentLimit` of them per account.
 */
export class QrCodeStore {
  private readonly byTicket = new Map<string, QrCode>();
  private readonly permanent = new Map<string, QrCode>();

  constructor(private readonly clock: Clock) {}

  createTemporary(appId: string, scene: QrScene, expireSeconds: number): QrCode {
    return this.remember({
      ...fresh(this.clock(), this.clock() + expireSeconds * 1000),
      appId,
      scene,
      expiresAt: this.clock() + expireSeconds * 1000,
    });
  }

  /** The account's code for this scene, created on first use; undefined past the limit. */
  createPermanent(appId: string, scene: QrScene, permanentLimit: number): QrCode | undefined {
    const key = `${appId}:${'id' in scene ? `id:${scene.id}` : `str:${scene.str}`}`;
    const existing = this.permanent.get(key);
    if (existing !== undefined) return existing;
    if (this.permanentCount(appId) >= permanentLimit) return undefined;
    const code = this.remember({ ...fresh(this.clock(), this.clock()), appId, scene, expiresAt: null });
    this.permanent.set(key, code);
    return code;
  }

  /**
   * The code behind a ticket while it is valid. Also found: the ticket as a client that
   * forgot to URL-encode it sends it (`+` read as a space), in the standard base64 alphabet, or
   * URL-encoded twice.
   */
  resolve(ticket: string): QrCode | undefined {
    const code = ticketForms(ticket)
      .map((form) => this.byTicket.get(form))
      .find((found) => found !== undefined);
    if (code === undefined || (code.expiresAt !== null && this.clock() >= code.expiresAt)) return undefined;
    return code;
  }

  /** The account's codes still valid, newest first (the phone page offers them for scanning). */
  list(appId: string): readonly QrCode[] {
    return [...this.byTicket.values()]
      .filter((c) => c.appId === appId && this.resolve(c.ticket) !== undefined)
      .reverse();
  }

  reset(): void {
    this.byTicket.clear();
    this.permanent.clear();
  }

  private permanentCount(appId: string): number {
    let count = 0;
    for (const code of this.permanent.values()) if (code.appId === appId) count++;
    return count;
  }

  private remember(code: QrCode): QrCode {
    this.byTicket.set(code.ticket, code);
    return code;
  }
}

/** The spellings of a ticket {@link QrCodeStore.resolve} accepts. */
function ticketForms(ticket: string): readonly string[] {
  let once = ticket;
  try {
    once = decodeURIComponent(ticket);
  } catch {
    // not URL-encoded
  }
  return [...new Set([ticket, once])].flatMap((form) => [
    form,
    form.replace(/ /g, '+').replace(/\+/g, '-').replace(/\//g, '_'),
  ]);
}

const shortUrlAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A ticket and short URL shaped like WeChat's. A real ticket is base64 of a small binary
 * record (api.json createQRCode's example decodes to): 0x81 0x01, a 4-byte id, six zero bytes
 * and 0x01, the URL's length + 1, the URL (`http://weixin.qq.com/q/<20>`) and a NUL, then
 * 0x02 0x04 + the creation time and 0x03 0x04 + the expiry, little-endian seconds — 96
 * characters ending in `==`. The simulator encodes the same record with the URL-safe
 * alphabet (`-` and `_` for `+` and `/`), so a client that forgets to URL-encode the ticket
 * in `showqrcode?ticket=` still reaches the code; encoded, both work.
 */
function fresh(createdAt: number, expiresAt: number): { ticket: string; url: string } {
  const id = Array.from(randomBytes(20), (byte) => shortUrlAlphabet[byte % shortUrlAlphabet.length]).join('');
  const url = `http://weixin.qq.com/q/${id}`;
  const seconds = (epochMs: number): Buffer => {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(Math.floor(epochMs / 1000) >>> 0);
    return buffer;
  };
  const record = Buffer.concat([
    Buffer.from([0x81, 0x01]),
    randomBytes(4),
    Buffer.from([0, 0, 0, 0, 0, 0, 0x01, url.length + 1]),
    Buffer.from(url, 'latin1'),
    Buffer.from([0x00, 0x02, 0x04]),
    seconds(createdAt),
    Buffer.from([0x03, 0x04]),
    seconds(expiresAt),
  ]);
  const base64url = record.toString('base64url');
  return { ticket: base64url.padEnd(Math.ceil(base64url.length / 4) * 4, '='), url };
}
