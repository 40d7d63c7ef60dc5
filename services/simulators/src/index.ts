export {
  buildEnvelope,
  clickEvent,
  type Envelope,
  encryptFor,
  eventMessage,
  locationMessage,
  massSendJobFinishEvent,
  type Parties,
  randomMsgId,
  type Stamp,
  scanEvent,
  subscribeEvent,
  templateSendJobFinishEvent,
  textMessage,
  unsubscribeEvent,
} from '@mpstack/common/wechat';
export { AccountDirectory } from './accounts.js';
export { type AdminRouterDeps, createAdminRouter } from './admin/admin.router.js';
export { CallbackDispatcher, type CallbackDispatcherOptions } from './callbacks/callback-dispatcher.js';
export type { CallbackState } from './callbacks/callback-state.js';
export type { ChatEntry, InboxMessage } from './chat/chat-store.js';
export { AdjustableClock, type AdjustableClockOptions, type Clock } from './clock.js';
export {
  type ApiQuota,
  type CallCount,
  type Fault,
  type FaultEffect,
  type FaultSpec,
  FaultStore,
  type HostDownMode,
  type HostName,
  hostDownModes,
  hostNames,
} from './faults/fault-store.js';
export { WxApiError } from './http/wx-errors.js';
export { createMailboxRouter } from './mailbox/mailbox.router.js';
export { Mailbox, type MailboxOptions, type StoredMail } from './mailbox/mailbox-store.js';
export { decodeHeader, type ParsedMail, parseMail } from './mailbox/mime.js';
export { type RunningSmtp, startSmtpListener } from './mailbox/smtp-listener.js';
export { type RunningSimulator, type StartSimulatorOptions, startSimulator } from './main.js';
export type { MassSendRecord } from './mass/mass-store.js';
export { menuLimits, validateMenu } from './menu/menu-validation.js';
export { createPhoneRouter, type PhoneAction, type PhoneRouterDeps, phoneActions } from './phone/phone.router.js';
export { readReply } from './sender/reply-reader.js';
export { defaultMaxDeliveries, defaultTimeoutMs, sendToAccount } from './sender/send-to-account.js';
export {
  type DeliveryAttempt,
  type DeliveryReport,
  type FetchLike,
  type InboundRecorder,
  type RetryPolicy,
  type SenderAccount,
  type SendOptions,
  serviceUnavailableText,
  type UserView,
} from './sender/sender.types.js';
export {
  loadSimulatorsConfig,
  type RunSimulatorsOptions,
  runSimulators,
  type SimulatorsConfig,
  startConfiguredSimulator,
} from './service.js';
export { createSimulator, type Simulator, type SimulatorOptions } from './simulator.js';
export { SimulatorState, type SimulatorStateOptions } from './simulator-state.js';
export { checkTemplateData, sampleTemplates, templateKeys, templateLibrary } from './template/template-library.js';
export {
  defaultKeptTemplateSends,
  maxTemplatesInUse,
  type TemplateSendCounts,
  type TemplateSendRecord,
} from './template/template-store.js';
export type { TokenStats } from './token/token-store.js';
export {
  defaultLimits,
  type EncryptionMode,
  originalIdOf,
  type SimAccount,
  type SimLimits,
  type SimTemplate,
  type SimUser,
} from './types.js';
export type { InteractionKind, KefuVerdict, UserRecord } from './user/audience-store.js';
