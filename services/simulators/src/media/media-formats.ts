/** The `type` values `/cgi-bin/media/upload` takes; any other → 40004. */
export const mediaTypes = ['image', 'voice', 'video', 'thumb'] as const;
export type MediaType = (typeof mediaTypes)[number];

export function isMediaType(value: unknown): value is MediaType {
  return typeof value === 'string' && (mediaTypes as readonly string[]).includes(value);
}

/** What one kind of upload accepts, and the errcode of a file too large for it. */
export interface MediaRule {
  /** File extensions accepted (lower case, no dot); another → 40005 invalid file type. */
  readonly extensions: readonly string[];
  readonly maxBytes: number;
  readonly sizeErrcode: number;
}

const mb = 1024 * 1024;

/**
 * api.json uploadTempMedia: image PNG/JPEG/JPG/GIF (10 MB on the page's detail list, 2 MB in its
 * summary and older copies — the reference says keep ≤ 2 MB, so 2 MB here), voice AMR/MP3 2 MB,
 * video MP4 10 MB, thumb JPG 64 KB. The size errcodes are the global table's per kind:
 * 40009 image, 40010 voice, 40011 video, 40012 thumb. Voice's 60 s limit is not checked
 * (it would need decoding the audio).
 */
export const temporaryMediaRules: Readonly<Record<MediaType, MediaRule>> = {
  image: { extensions: ['png', 'jpeg', 'jpg', 'gif'], maxBytes: 2 * mb, sizeErrcode: 40009 },
  voice: { extensions: ['amr', 'mp3'], maxBytes: 2 * mb, sizeErrcode: 40010 },
  video: { extensions: ['mp4'], maxBytes: 10 * mb, sizeErrcode: 40011 },
  thumb: { extensions: ['jpg', 'jpeg'], maxBytes: 64 * 1024, sizeErrcode: 40012 },
};

/** api.json uploadArticleImage: jpg/png only (40005), under 1 MB (40009). */
export const articleImageRule: MediaRule = { extensions: ['jpg', 'jpeg', 'png'], maxBytes: mb, sizeErrcode: 40009 };

const contentTypes: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  amr: 'audio/amr',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
};

/** The lower-case extension of a file name, '' without one. */
export function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot < 0 ? '' : filename.slice(dot + 1).toLowerCase();
}

/** The Content-Type `/cgi-bin/media/get` answers a stored file with. */
export function contentTypeOf(extension: string): string {
  return contentTypes[extension] ?? 'application/octet-stream';
}
