import { parseMessageXml, parseXml } from '@mpstack/common/wechat';
import { reportFailure } from './crypt-errors.js';
import { type CommandResult, ExitCode, failed, succeeded } from './io.js';

function isEncryptedOnly(body: string): boolean {
  try {
    const fields = parseXml(body);
    return Object.hasOwn(fields, 'Encrypt') && !Object.hasOwn(fields, 'MsgType');
  } catch {
    return false;
  }
}

/**
 * The raw fields with nested elements (`SendLocationInfo`, `ScanCodeInfo`, `SendPicsInfo`, …)
 * as objects. The parser hands them over JSON-encoded; only an element that really holds
 * child elements in the body is decoded, so a text message that happens to be JSON stays text.
 */
function withNestedObjects(body: string, fields: Readonly<Record<string, string>>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    const isNested = new RegExp(`<${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}>\\s*<(?!!\\[CDATA\\[)`).test(body);
    result[name] = isNested ? JSON.parse(value) : value;
  }
  return result;
}

/**
 * `mpstack wx parse`: prints the typed message (kind, event, typed values and raw fields)
 * exactly as the ingress routes on it.
 */
export function runParse(rawBody: string): CommandResult {
  const body = rawBody.trim();
  if (body === '') return failed(ExitCode.usage, 'no body: pipe the XML on stdin or pass --file');
  if (isEncryptedOnly(body)) {
    return failed(
      ExitCode.checkFailed,
      'mpstack wx parse: the body is encrypted (only <Encrypt>); run `mpstack wx decrypt` and pipe its output here',
    );
  }
  try {
    // kind and event first, raw fields last: the order a developer reads a routing decision in.
    const message = parseMessageXml(body);
    const head = { kind: message.kind, ...(message.kind === 'event' ? { event: message.event } : {}) };
    const { fields, ...typed } = message;
    return succeeded(
      `${JSON.stringify(Object.assign(head, typed, { fields: withNestedObjects(body, fields) }), null, 2)}\n`,
    );
  } catch (error) {
    return reportFailure('parse', error);
  }
}
