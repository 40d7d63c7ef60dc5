export { CallbackDispatcher, type CallbackDispatcherOptions } from './api/callback-dispatcher.js';
export { menuLimits, validateMenu } from './api/menu-validation.js';
export { createWechatApi, createWechatApiApp, type WechatApi, type WechatApiDeps } from './api/wechat-api.app.js';
export { WxApiError } from './api/wx-errors.js';
export { createSimulatorApp, type SimulatorAppDeps } from './app.js';
export { AdjustableClock, type AdjustableClockOptions, type Clock } from './clock.js';
export { type RunningSimulator, type StartSimulatorOptions, startSimulator } from './main.js';
export { createPhoneRouter, type PhoneAction, type PhoneRouterDeps, phoneActions } from './phone/phone.router.js';
export { buildEnvelope, type Envelope, encryptFor, type Stamp } from './sender/envelope.js';
export {
  clickEvent,
  eventMessage,
  locationMessage,
  massSendJobFinishEvent,
  type Parties,
  randomMsgId,
  scanEvent,
  subscribeEvent,
  templateSendJobFinishEvent,
  textMessage,
  unsubscribeEvent,
} from './sender/message-builders.js';
export { readReply } from './sender/reply-reader.js';
export { defaultMaxDeliveries, defaultTimeoutMs, sendToAccount } from './sender/send-to-account.js';
export {
  type DeliveryAttempt,
  type DeliveryReport,
  type FetchLike,
  type InboundRecorder,
  type SenderAccount,
  type SendOptions,
  serviceUnavailableText,
  type UserView,
} from './sender/sender.types.js';
export type { InteractionKind, KefuVerdict, UserRecord } from './state/audience-store.js';
export type { CallbackState, InboxMessage, MassSendRecord, TemplateSendRecord } from './state/message-store.js';
export { SimulatorState, type SimulatorStateOptions } from './state/simulator-state.js';
export {
  defaultLimits,
  type EncryptionMode,
  originalIdOf,
  type SimAccount,
  type SimLimits,
  type SimUser,
} from './types.js';
