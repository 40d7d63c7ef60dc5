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
      ...fresh(),
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
    const code = this.remember({ ...fresh(), appId, scene, expiresAt: null });
    this.permanent.set(key, code);
    return code;
  }

  /** The code behind a ticket while it is valid. */
  resolve(ticket: string): QrCode | undefined {
    const code = this.byTicket.get(ticket);
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

/** A ticket and short URL shaped like WeChat's (base64 ticket, `http://weixin.qq.com/q/<22>`). */
function fresh(): { ticket: string; url: string } {
  return {
    ticket: `gQ${randomBytes(70).toString('base64')}`,
    url: `http://weixin.qq.com/q/${randomBytes(16).toString('base64url').slice(0, 22)}`,
  };
}
