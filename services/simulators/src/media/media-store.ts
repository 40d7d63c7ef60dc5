import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { MediaType } from './media-formats.js';

/** One temporary media file as the simulator keeps it. */
export interface StoredMedia {
  readonly appId: string;
  readonly mediaId: string;
  readonly type: MediaType;
  readonly extension: string;
  readonly bytes: Buffer;
  /** Milliseconds on the simulator clock. */
  readonly createdAt: number;
}

export interface MediaStoreOptions {
  /** Files kept at most; past it the oldest is dropped (1,000 by default). */
  readonly maxItems?: number;
  /** Bytes kept at most; past it the oldest files are dropped (256 MiB by default). */
  readonly maxBytes?: number;
}

/** api.json uploadTempMedia: "media_id is reusable but expires 3 days after upload". */
export const temporaryMediaLifetimeMs = 3 * 86_400_000;

/**
 * Temporary media of every account, kept in upload order and bounded in count and bytes: the
 * simulator runs through long benches, so a full store forgets its oldest files (their ids then
 * answer 40007, as expired ones do) instead of growing.
 */
export class MediaStore {
  private readonly files = new Map<string, StoredMedia>();
  private readonly maxItems: number;
  private readonly maxBytes: number;
  private keptBytes = 0;

  constructor(
    private readonly clock: Clock,
    options: MediaStoreOptions = {},
  ) {
    this.maxItems = options.maxItems ?? 1000;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  }

  /** Stores a file under a new media_id shaped like WeChat's (64 URL-safe characters). */
  add(appId: string, type: MediaType, extension: string, bytes: Buffer): StoredMedia {
    const media: StoredMedia = {
      appId,
      mediaId: randomBytes(48).toString('base64url'),
      type,
      extension,
      bytes,
      createdAt: this.clock(),
    };
    this.files.set(media.mediaId, media);
    this.keptBytes += bytes.length;
    this.evict();
    return media;
  }

  /** The account's file, unless unknown, another account's, expired or dropped. */
  get(appId: string, mediaId: string): StoredMedia | undefined {
    const media = this.find(mediaId);
    return media?.appId === appId ? media : undefined;
  }

  /** A file of any account (its download link needs no token), unless unknown, expired or dropped. */
  find(mediaId: string): StoredMedia | undefined {
    const media = this.files.get(mediaId);
    if (media === undefined || !this.isExpired(media)) return media;
    this.remove(media);
    return undefined;
  }

  /** How many files and bytes are kept now. */
  usage(): { readonly files: number; readonly bytes: number } {
    return { files: this.files.size, bytes: this.keptBytes };
  }

  reset(): void {
    this.files.clear();
    this.keptBytes = 0;
  }

  private isExpired(media: StoredMedia): boolean {
    return this.clock() >= media.createdAt + temporaryMediaLifetimeMs;
  }

  /** Drops expired files and, while over a cap, the oldest (a Map iterates in insertion order). */
  private evict(): void {
    for (const media of this.files.values()) {
      const isOverCap = this.files.size > this.maxItems || this.keptBytes > this.maxBytes;
      if (!isOverCap && !this.isExpired(media)) break;
      this.remove(media);
    }
  }

  private remove(media: StoredMedia): void {
    if (this.files.delete(media.mediaId)) this.keptBytes -= media.bytes.length;
  }
}
