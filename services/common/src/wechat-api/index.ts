/**
 * `@mpstack/common/wechat-api`: the one WeChat API client (docs/architecture.md §4) — shared
 * access_token and jsapi_ticket, host failover, retries, flow control, telemetry. Loads undici
 * and OpenTelemetry; the typed errors live in the pure `@mpstack/common/wechat`.
 */

export {
  DEFAULT_SERVICE_WINDOW_RULES,
  recordServiceWindow,
  type ServiceWindowRules,
  serviceWindowEffect,
  serviceWindowKey,
} from '../contracts/service-window.js';
export {
  errcodeKind,
  errcodeMeaning,
  type LocalRefusalReason,
  RETRYABLE_ERRCODES,
  TOKEN_ERRCODES,
  WeChatApiError,
  type WeChatErrorKind,
  WeChatLocalRefusal,
  WeChatUnavailableError,
} from '../wechat/api-errors.js';
export { type ApiName, type ApiSpec, isApiName, WECHAT_APIS } from './apis.js';
export {
  type ApiResult,
  type AppSecretLoader,
  type CallParams,
  type CustomMessage,
  createWeChatApiClient,
  type TemplateMessage,
  type WeChatApiClient,
  type WeChatApiPorts,
} from './client.js';
export {
  defaultWeChatApiConfig,
  type RateFamily,
  type RateSetting,
  type TokenMode,
  type WeChatApiConfig,
  wechatApiConfigFromEnv,
  wechatApiEnvSchema,
} from './config.js';
export { beijingDay, DEFAULT_DAILY_QUOTAS, type QuotaUsage } from './flow-control.js';
export type { CredentialHealth } from './shared-credential.js';
export {
  type FollowerTag,
  followerTagsOf,
  type PrivateTemplate,
  privateTemplatesOf,
  type TemplateField,
  templateFieldsOf,
} from './templates.js';
