import { AppError, ErrorCode } from '../errors/app-error.js';
import type { MessageBase } from './message-types.js';
import type { XmlFields } from './xml.js';

/**
 * Reads one child of `<xml>`. Own properties only: `fields` is a plain object, so a
 * lookup of `constructor` or `toString` must not reach `Object.prototype`.
 */
export function field(fields: XmlFields, name: string): string | undefined {
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

/** A text child, `''` when absent (the raw value stays in `fields` either way). */
export function text(fields: XmlFields, name: string): string {
  return field(fields, name) ?? '';
}

/** A child that is absent or blank becomes `undefined`, so optional properties stay unset. */
export function optionalText(fields: XmlFields, name: string): string | undefined {
  const value = field(fields, name);
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * A decimal child (coordinates, scale, precision). WeChat always sends these for the types
 * that carry them; a missing or garbled value is refused rather than turned into `NaN`.
 */
export function decimal(fields: XmlFields, name: string): number {
  const raw = field(fields, name)?.trim() ?? '';
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value)) {
    throw new AppError(ErrorCode.xmlInvalid, `<${name}> must be a number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * The 64-bit message id. User messages carry `MsgId`; TEMPLATESENDJOBFINISH and
 * MASSSENDJOBFINISH carry `MsgID` (capital D, PROTOCOL.md). Kept as a string: it
 * overflows a JS number (6054768590064713728 > 2^53).
 */
export function messageId(fields: XmlFields): string | undefined {
  const value = optionalText(fields, 'MsgId') ?? optionalText(fields, 'MsgID');
  return value?.trim();
}

/** Reads a property of a nested element that xml.ts kept as JSON (e.g. `ScanCodeInfo`). */
export function nested(fields: XmlFields, name: string, property: string): string | undefined {
  const raw = field(fields, name);
  if (raw === undefined || !raw.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed === null || typeof parsed !== 'object' || !Object.hasOwn(parsed, property)) return undefined;
    const value: unknown = (parsed as Record<string, unknown>)[property];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

const requiredNames = ['ToUserName', 'FromUserName', 'CreateTime', 'MsgType'] as const;
const secondsPattern = /^\d{1,12}$/;

/** The envelope every message and event shares, plus its `MsgType` for dispatch. */
export interface ParsedBase {
  readonly base: MessageBase;
  readonly msgType: string;
}

/**
 * Validates and reads the four elements WeChat puts on every push. Missing ones are all
 * named in one error, so a hand-written test body is fixed in one go.
 */
export function parseBase(fields: XmlFields): ParsedBase {
  const [toUserName, fromUserName, createTimeText, msgTypeText] = requiredNames.map((name) =>
    optionalText(fields, name),
  );
  if (
    toUserName === undefined ||
    fromUserName === undefined ||
    createTimeText === undefined ||
    msgTypeText === undefined
  ) {
    const missing = requiredNames.filter((name) => optionalText(fields, name) === undefined);
    throw new AppError(ErrorCode.xmlInvalid, `message lacks required element(s): ${missing.join(', ')}`);
  }
  const createTime = createTimeText.trim();
  if (!secondsPattern.test(createTime)) {
    throw new AppError(
      ErrorCode.xmlInvalid,
      `<CreateTime> must be whole seconds since the epoch, got ${JSON.stringify(createTime)}`,
    );
  }
  return {
    base: { toUserName, fromUserName, createTime: Number(createTime), fields },
    msgType: msgTypeText.trim(),
  };
}
