import { isAppError } from '@mpstack/common/errors';
import { WxCryptCode, WxCryptError } from '@mpstack/common/wechat';
import { type CommandResult, ExitCode, failed } from './io.js';

/** The official WXBizMsgCrypt names of the codes, as WeChat's samples and docs print them. */
export const wxCryptCodeName: Readonly<Record<WxCryptCode, string>> = {
  [WxCryptCode.validateSignature]: 'ValidateSignatureError',
  [WxCryptCode.parseXml]: 'ParseXmlError',
  [WxCryptCode.computeSignature]: 'ComputeSignatureError',
  [WxCryptCode.illegalAesKey]: 'IllegalAesKey',
  [WxCryptCode.validateAppId]: 'ValidateAppidError',
  [WxCryptCode.encryptAes]: 'EncryptAESError',
  [WxCryptCode.decryptAes]: 'DecryptAESError',
  [WxCryptCode.illegalBuffer]: 'IllegalBuffer',
  [WxCryptCode.encodeBase64]: 'EncodeBase64Error',
  [WxCryptCode.decodeBase64]: 'DecodeBase64Error',
  [WxCryptCode.generateXml]: 'GenReturnXmlError',
};

/** Which step of the pipeline a code means, in the words a developer debugs with. */
const failedCheck: Readonly<Record<WxCryptCode, string>> = {
  [WxCryptCode.validateSignature]: 'signature check (msg_signature)',
  [WxCryptCode.parseXml]: 'body parsing (<Encrypt> element)',
  [WxCryptCode.computeSignature]: 'signature computation',
  [WxCryptCode.illegalAesKey]: 'EncodingAESKey check',
  [WxCryptCode.validateAppId]: 'AppID check',
  [WxCryptCode.encryptAes]: 'AES encryption',
  [WxCryptCode.decryptAes]: 'AES decryption (PKCS#7 padding)',
  [WxCryptCode.illegalBuffer]: 'decrypted buffer layout',
  [WxCryptCode.encodeBase64]: 'base64 encoding',
  [WxCryptCode.decodeBase64]: 'base64 decoding of Encrypt',
  [WxCryptCode.generateXml]: 'reply XML generation',
};

/** `-40001 ValidateSignatureError` */
export function codeLabel(code: WxCryptCode): string {
  return `${code} ${wxCryptCodeName[code]}`;
}

/**
 * Turns a failure into exit 1 and a report naming the failed check, the WXBizMsgCrypt code
 * and the likely cause (`cause` when the caller knows better than the code's usual cause).
 * `extra` lines (e.g. computed vs received signature) are appended.
 */
export function reportFailure(
  command: string,
  error: unknown,
  extra: readonly string[] = [],
  cause?: string,
): CommandResult {
  if (error instanceof WxCryptError) {
    const lines = [
      `mpstack wx ${command}: ${failedCheck[error.wxCode]} failed`,
      `  code:         ${codeLabel(error.wxCode)}`,
      `  detail:       ${error.message}`,
      `  likely cause: ${cause ?? error.likelyCause}`,
      ...extra,
    ];
    return failed(ExitCode.checkFailed, lines.join('\n'));
  }
  if (isAppError(error)) {
    return failed(ExitCode.checkFailed, `mpstack wx ${command}: ${error.message}\n  code:         ${error.code}`);
  }
  throw error;
}
