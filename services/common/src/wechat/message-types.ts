/**
 * Typed WeChat messages and events: a discriminated union on `kind`, events further on
 * `event`. Every field WeChat sends stays available in `fields` (raw strings), so an
 * unknown type or a new field is preserved, never dropped.
 */

export interface MessageBase {
  readonly toUserName: string;
  readonly fromUserName: string;
  /** Seconds since the epoch, as WeChat sends it. */
  readonly createTime: number;
  /** Every child element of `<xml>` as a string (nested elements JSON-encoded). */
  readonly fields: Readonly<Record<string, string>>;
}

export interface UserMessageBase extends MessageBase {
  /** 64-bit id as a string (it overflows a JS number). */
  readonly msgId: string | undefined;
}

export interface TextMessage extends UserMessageBase {
  readonly kind: 'text';
  readonly content: string;
  /** Set when the user tapped a menu inside a kefu message (bizmsgmenuid). */
  readonly bizMsgMenuId?: string;
}
export interface ImageMessage extends UserMessageBase {
  readonly kind: 'image';
  readonly picUrl: string;
  readonly mediaId: string;
}
export interface VoiceMessage extends UserMessageBase {
  readonly kind: 'voice';
  readonly mediaId: string;
  readonly format: string;
  readonly recognition?: string;
}
export interface VideoMessage extends UserMessageBase {
  readonly kind: 'video' | 'shortvideo';
  readonly mediaId: string;
  readonly thumbMediaId: string;
}
export interface LocationMessage extends UserMessageBase {
  readonly kind: 'location';
  readonly latitude: number;
  readonly longitude: number;
  readonly scale: number;
  readonly label: string;
}
export interface LinkMessage extends UserMessageBase {
  readonly kind: 'link';
  readonly title: string;
  readonly description: string;
  readonly url: string;
}

export interface EventBase extends MessageBase {
  readonly kind: 'event';
}
export interface SubscribeEvent extends EventBase {
  readonly event: 'subscribe';
  /** `qrscene_<scene>` stripped to `<scene>` when the user followed by scanning a QR code. */
  readonly scene?: string;
  readonly ticket?: string;
}
export interface UnsubscribeEvent extends EventBase {
  readonly event: 'unsubscribe';
}
export interface ScanEvent extends EventBase {
  readonly event: 'SCAN';
  readonly scene: string;
  readonly ticket?: string;
}
export interface LocationEvent extends EventBase {
  readonly event: 'LOCATION';
  readonly latitude: number;
  readonly longitude: number;
  readonly precision: number;
}
export interface MenuEvent extends EventBase {
  readonly event:
    | 'CLICK'
    | 'VIEW'
    | 'scancode_push'
    | 'scancode_waitmsg'
    | 'pic_sysphoto'
    | 'pic_photo_or_album'
    | 'pic_weixin'
    | 'location_select'
    | 'view_miniprogram';
  readonly eventKey: string;
  readonly menuId?: string;
  /** scancode_push / scancode_waitmsg: `ScanCodeInfo.ScanType` (e.g. `qrcode`, `barcode`). */
  readonly scanType?: string;
  /** scancode_push / scancode_waitmsg: `ScanCodeInfo.ScanResult`, the decoded QR/bar code. */
  readonly scanResult?: string;
  /** pic_* events: `SendPicsInfo.Count`, how many pictures the user chose. */
  readonly picCount?: number;
}
export interface JobFinishEvent extends EventBase {
  readonly event: 'TEMPLATESENDJOBFINISH' | 'MASSSENDJOBFINISH';
  /** Carried as `MsgID` (capital D) on these events. */
  readonly msgId: string;
  readonly status: string;
}
/** Any event not listed above: kept with its raw name and fields. */
export interface OtherEvent extends EventBase {
  readonly event: string & { readonly __other?: never };
  readonly eventKey?: string;
}
export type WxEvent =
  | SubscribeEvent
  | UnsubscribeEvent
  | ScanEvent
  | LocationEvent
  | MenuEvent
  | JobFinishEvent
  | OtherEvent;

/** A message type WeChat added after this code was written: preserved, routed to default. */
export interface UnknownMessage extends MessageBase {
  readonly kind: 'unknown';
  readonly msgType: string;
  readonly msgId: string | undefined;
}

export type UserMessage = TextMessage | ImageMessage | VoiceMessage | VideoMessage | LocationMessage | LinkMessage;
export type WxMessage = UserMessage | WxEvent | UnknownMessage;
