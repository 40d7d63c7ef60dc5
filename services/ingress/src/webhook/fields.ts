import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { WxMessage } from '@mpstack/common/wechat';

/**
 * C0 control characters other than tab, line feed and carriage return: not characters of
 * XML 1.0 at all (§2.2 "Char"), so WeChat never sends them — and a reply addressed to such
 * a `FromUserName` could not be built. Refused before any side effect.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

/** Throws `control_character` (400) naming the first field that holds one. */
export function refuseControlCharacters(message: WxMessage): void {
  const { fields } = message;
  for (const field in fields) {
    if (CONTROL_CHARACTER.test(fields[field] ?? '')) {
      throw new AppError(ErrorCode.controlCharacter, `control character in ${field}`, { detail: { field } });
    }
  }
}
