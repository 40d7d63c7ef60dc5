import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

/** The `media` file part of an upload. */
export interface UploadedFile {
  readonly filename: string;
  readonly bytes: Buffer;
  /** The file was larger than the limit it was read with (its bytes stop just past it). */
  readonly isTooLarge: boolean;
}

/**
 * Reads a multipart/form-data body and returns its file part named `media` (the name every
 * upload API of the reference uses), read up to `maxBytes`; other parts are skipped. Undefined
 * when the body is not multipart, is malformed, or has no such part: WeChat's 41005.
 */
export function readMediaPart(req: IncomingMessage, maxBytes: number): Promise<UploadedFile | undefined> {
  return new Promise((resolve) => {
    let parser: busboy.Busboy;
    try {
      // busboy marks a file truncated once it reaches its limit: one byte more tells "at the limit" from "past it".
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes + 1, fields: 20, parts: 40 } });
    } catch {
      // Not multipart/form-data, or without a boundary.
      req.resume();
      resolve(undefined);
      return;
    }
    let found: UploadedFile | undefined;
    parser.on('file', (name, stream, info) => {
      if (name !== 'media' || found !== undefined) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        found = { filename: info.filename ?? '', bytes: Buffer.concat(chunks), isTooLarge: stream.truncated === true };
      });
    });
    parser.on('close', () => resolve(found));
    parser.on('error', () => {
      req.unpipe(parser);
      req.resume();
      resolve(undefined);
    });
    req.pipe(parser);
  });
}
