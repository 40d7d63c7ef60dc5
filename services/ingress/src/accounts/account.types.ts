import type { AesKey, EncryptMode } from '@mpstack/common/wechat';

/** An official account as the webhook needs it: secrets decoded once, not per request. */
export interface Account {
  readonly id: string;
  readonly appId: string;
  readonly token: string;
  readonly mode: EncryptMode;
  /** Current EncodingAESKey first, then the previous one (fallback while the console change propagates). */
  readonly aesKeys: readonly AesKey[];
  /** Switched off in the console: deliveries are refused (`webhook/disabled.ts`). */
  readonly disabled: boolean;
}

export interface AccountSource {
  readonly id: string;
  readonly appId: string;
  readonly token: string;
  readonly encryptMode: EncryptMode;
  readonly encodingAesKey: string | undefined;
  readonly previousEncodingAesKey: string | undefined;
  /** Absent means enabled. */
  readonly disabled?: boolean;
}
