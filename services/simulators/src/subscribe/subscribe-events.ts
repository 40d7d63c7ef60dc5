/** `<![CDATA[…]]>`, splitting a `]]>` inside the text as XML requires. */
function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

interface Parties {
  /** The follower's openid. */
  readonly from: string;
  /** The account's original id (gh_…). */
  readonly to: string;
  readonly createTime: number;
}

function eventXml(parties: Parties, event: string, wrapper: string, lists: readonly string[]): string {
  return [
    '<xml>',
    `<ToUserName>${cdata(parties.to)}</ToUserName>`,
    `<FromUserName>${cdata(parties.from)}</FromUserName>`,
    `<CreateTime>${parties.createTime}</CreateTime>`,
    '<MsgType><![CDATA[event]]></MsgType>',
    `<Event>${cdata(event)}</Event>`,
    `<${wrapper}>${lists.map((list) => `<List>${list}</List>`).join('')}</${wrapper}>`,
    '</xml>',
  ].join('\n');
}

/**
 * The follower answered the subscribe popup: one `List` per template shown, `SubscribeStatusString`
 * accept | reject, `PopupScene` 1 (H5 page) or 2 (article) (api.json events, subscribe_msg_popup_event).
 */
export function subscribePopupEvent(
  parties: Parties,
  answers: readonly { readonly templateId: string; readonly status: 'accept' | 'reject'; readonly scene: 1 | 2 }[],
): string {
  return eventXml(
    parties,
    'subscribe_msg_popup_event',
    'SubscribeMsgPopupEvent',
    answers.map(
      (answer) =>
        `<TemplateId>${cdata(answer.templateId)}</TemplateId><SubscribeStatusString>${cdata(answer.status)}</SubscribeStatusString><PopupScene>${answer.scene}</PopupScene>`,
    ),
  );
}

/** The delivery receipt of a bizsend (api.json events, subscribe_msg_sent_event): ErrorCode 0 = delivered. */
export function subscribeSentEvent(
  parties: Parties,
  sent: {
    readonly templateId: string;
    readonly msgId: string;
    readonly errorCode: number;
    readonly errorStatus: string;
  },
): string {
  return eventXml(parties, 'subscribe_msg_sent_event', 'SubscribeMsgSentEvent', [
    `<TemplateId>${cdata(sent.templateId)}</TemplateId><MsgID>${sent.msgId}</MsgID><ErrorCode>${sent.errorCode}</ErrorCode><ErrorStatus>${cdata(sent.errorStatus)}</ErrorStatus>`,
  ]);
}
