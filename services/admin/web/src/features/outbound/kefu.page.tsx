import type { TableColumnsType } from 'antd';
import { App, Button, Card, Form, Input, Radio, Space, Table, Tag, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText, formatTime } from '../../format';
import { useCan, useConsole } from '../../session';
import { useLoad } from '../../use-load';
import { useOutboundAccount } from './account-select';
import type { KefuSend } from './outbound-types';

/** Every msgtype of message/custom/send (../shared/wechat/api.json), in the form's order. */
const kinds = [
  'text',
  'image',
  'voice',
  'video',
  'music',
  'news',
  'mpnews',
  'mpnewsarticle',
  'msgmenu',
  'wxcard',
  'miniprogrampage',
] as const;
type Kind = (typeof kinds)[number];

interface Compose {
  readonly openId: string;
  readonly kind: Kind;
  readonly text?: string;
  readonly mediaId?: string;
  readonly thumbMediaId?: string;
  readonly title?: string;
  readonly description?: string;
  readonly url?: string;
  readonly picurl?: string;
  readonly musicurl?: string;
  readonly hqmusicurl?: string;
  readonly articleId?: string;
  readonly headContent?: string;
  readonly tailContent?: string;
  readonly menu?: readonly { readonly id?: string; readonly content?: string }[];
  readonly cardId?: string;
  readonly appid?: string;
  readonly pagepath?: string;
}

const composeFields = [
  'text',
  'mediaId',
  'thumbMediaId',
  'title',
  'description',
  'url',
  'picurl',
  'musicurl',
  'hqmusicurl',
  'articleId',
  'headContent',
  'tailContent',
  'menu',
  'cardId',
  'appid',
  'pagepath',
] as const;

const statusColors: Record<KefuSend['status'], string> = {
  queued: 'default',
  sending: 'processing',
  sent: 'success',
  failed: 'error',
  unknown: 'warning',
};
const openIdPattern = /^[A-Za-z0-9_-]{6,64}$/;

/** The optional fields that were filled in (an empty one is left out, as WeChat's body would). */
function filled(fields: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => Boolean(entry[1])));
}

/**
 * WeChat's message/custom/send body (without touser) of what the form holds; the business
 * service checks it (its 400 names the field and the problem, shown as the error).
 */
function messageOf(values: Compose): Record<string, unknown> {
  const mediaId = values.mediaId ?? '';
  switch (values.kind) {
    case 'image':
    case 'voice':
    case 'mpnews':
      return { msgtype: values.kind, [values.kind]: { media_id: mediaId } };
    case 'video':
      return {
        msgtype: 'video',
        video: {
          media_id: mediaId,
          ...filled({ thumb_media_id: values.thumbMediaId, title: values.title, description: values.description }),
        },
      };
    case 'music':
      return {
        msgtype: 'music',
        music: {
          musicurl: values.musicurl ?? '',
          hqmusicurl: values.hqmusicurl ?? '',
          thumb_media_id: values.thumbMediaId ?? '',
          ...filled({ title: values.title, description: values.description }),
        },
      };
    case 'news': {
      const article = {
        title: values.title ?? '',
        url: values.url ?? '',
        ...filled({ description: values.description, picurl: values.picurl }),
      };
      return { msgtype: 'news', news: { articles: [article] } };
    }
    case 'mpnewsarticle':
      return { msgtype: 'mpnewsarticle', mpnewsarticle: { article_id: values.articleId ?? '' } };
    case 'msgmenu':
      return {
        msgtype: 'msgmenu',
        msgmenu: {
          ...filled({ head_content: values.headContent, tail_content: values.tailContent }),
          list: (values.menu ?? []).map((item) => ({ id: item.id ?? '', content: item.content ?? '' })),
        },
      };
    case 'wxcard':
      return { msgtype: 'wxcard', wxcard: { card_id: values.cardId ?? '' } };
    case 'miniprogrampage':
      return {
        msgtype: 'miniprogrampage',
        miniprogrampage: {
          title: values.title ?? '',
          appid: values.appid ?? '',
          pagepath: values.pagepath ?? '',
          thumb_media_id: values.thumbMediaId ?? '',
        },
      };
    default:
      return { msgtype: 'text', text: { content: values.text ?? '' } };
  }
}

/**
 * Customer-service (客服) messages: an operator sends any message type of message/custom/send (a
 * text, an image, a voice, a video, music, a link, an article, a menu, a card, a mini program page) to one follower
 * and sees each send's status — sent, failed with WeChat's errcode or the local refusal (outside
 * the 48-hour window: 45015; its budget used: 45047), or unknown (its answer was lost; it may
 * have reached the follower and is not sent again). Refreshed every 2 s while one is in flight.
 */
export function KefuPage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const writer = useCan()('pushes:write');
  const [account, accountSelect] = useOutboundAccount();
  const [follower, setFollower] = useState('');
  const [tick, setTick] = useState(0);
  const filter = openIdPattern.test(follower) ? `&openId=${encodeURIComponent(follower)}` : '';
  const query = account === undefined ? '' : `?account=${encodeURIComponent(account)}&limit=100${filter}`;
  const { data, loading, reload } = useLoad(
    () => api.outbound<{ sends: KefuSend[] }>('GET', `/kefu-sends${query}`),
    [api, query, tick],
  );
  const sends = data?.sends ?? [];
  const isLive = sends.some((s) => s.status === 'queued' || s.status === 'sending');

  useEffect(() => {
    if (!isLive) return undefined;
    const timer = setInterval(() => setTick((n) => n + 1), 2000);
    return () => clearInterval(timer);
  }, [isLive]);

  return (
    <Card title={t('outbound.kefu')} extra={accountSelect}>
      <Typography.Paragraph type="secondary">{t('outbound.kefuWindow')}</Typography.Paragraph>
      {writer && account !== undefined ? <ComposeForm account={account} onSent={() => void reload()} /> : null}
      <Space style={{ marginBottom: 12 }}>
        <Input.Search
          allowClear
          placeholder={t('outbound.kefuFilter')}
          onSearch={setFollower}
          style={{ width: 340 }}
          data-testid="kefu-filter"
        />
      </Space>
      <Table<KefuSend>
        rowKey="id"
        size="small"
        loading={loading && data === undefined}
        dataSource={sends}
        columns={kefuColumns(t)}
      />
    </Card>
  );
}

function kefuColumns(t: TFunction): TableColumnsType<KefuSend> {
  return [
    { title: 'ID', dataIndex: 'id', width: 60 },
    { title: 'openid', dataIndex: 'openId' },
    { title: t('outbound.msgtype'), dataIndex: 'msgtype', width: 90 },
    {
      title: t('outbound.state'),
      width: 130,
      render: (_v, send) => (
        <Tag color={statusColors[send.status]} data-testid={`kefu-status-${send.id}`} data-status={send.status}>
          {t(`outbound.kefuStatuses.${send.status}`)}
          {send.errcode === null ? '' : ` ${send.errcode}`}
        </Tag>
      ),
    },
    {
      title: t('outbound.kefuReason'),
      render: (_v, send) => (
        <Typography.Text type="secondary" data-testid={`kefu-reason-${send.id}`}>
          {send.reason === null
            ? (send.errmsg ?? '')
            : t(`outbound.kefuReasons.${send.reason}`, { defaultValue: send.errmsg ?? send.reason })}
        </Typography.Text>
      ),
    },
    { title: t('outbound.kefuAt'), dataIndex: 'createdAt', render: (at: number) => formatTime(at), width: 170 },
  ];
}

function ComposeForm({ account, onSent }: { account: string; onSent: () => void }) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const { message } = App.useApp();
  const [form] = Form.useForm<Compose>();
  const kind = Form.useWatch('kind', form) ?? 'text';
  const [busy, setBusy] = useState(false);

  const send = async (values: Compose) => {
    setBusy(true);
    try {
      const { id } = await api.outbound<{ id: number }>('POST', '/kefu-sends', {
        account,
        openId: values.openId.trim(),
        message: messageOf(values),
      });
      void message.success(t('outbound.kefuQueued', { id }));
      form.resetFields([...composeFields]);
      onSent();
    } catch (error) {
      void message.error(t('common.error', { message: errorText(error) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form<Compose>
      form={form}
      layout="vertical"
      onFinish={send}
      initialValues={{ kind: 'text' }}
      style={{ maxWidth: 640, marginBottom: 24 }}
    >
      <Form.Item
        name="openId"
        label={t('outbound.kefuTo')}
        rules={[{ required: true, pattern: openIdPattern, message: t('outbound.kefuOpenIdRule') }]}
      >
        <Input data-testid="kefu-openid" />
      </Form.Item>
      <Form.Item name="kind" label={t('outbound.msgtype')}>
        <Radio.Group>
          {kinds.map((value) => (
            <Radio key={value} value={value} data-testid={`kefu-kind-${value}`}>
              {t(`outbound.kefuKinds.${value}`)}
            </Radio>
          ))}
        </Radio.Group>
      </Form.Item>
      <KindFields kind={kind} />
      <Button type="primary" htmlType="submit" loading={busy} data-testid="kefu-submit">
        {t('outbound.kefuSend')}
      </Button>
    </Form>
  );
}

/** The fields of one message type; limits as the business service checks them (WeChat's). */
function KindFields({ kind }: { kind: Kind }) {
  const { t } = useTranslation();
  const required = [{ required: true }];
  const field = (name: keyof Compose, label: string, options: { isRequired?: boolean; max?: number } = {}) => (
    <Form.Item key={name} name={name} label={label} rules={options.isRequired ? required : []}>
      <Input maxLength={options.max} data-testid={`kefu-${name}`} />
    </Form.Item>
  );
  const mediaId = field('mediaId', t('outbound.kefuMediaId'), { isRequired: true, max: 128 });
  const title = (isRequired: boolean) => field('title', t('outbound.kefuTitle'), { isRequired, max: 64 });
  const description = field('description', t('outbound.kefuDescription'), { max: 120 });
  const thumb = (isRequired: boolean) =>
    field('thumbMediaId', t('outbound.kefuThumbMediaId'), { isRequired, max: 128 });
  switch (kind) {
    case 'text':
      return (
        <Form.Item name="text" label={t('outbound.massText')} rules={required}>
          <Input.TextArea rows={3} showCount maxLength={2048} data-testid="kefu-text" />
        </Form.Item>
      );
    case 'image':
    case 'voice':
    case 'mpnews':
      return mediaId;
    case 'video':
      return (
        <>
          {mediaId}
          {thumb(false)}
          {title(false)}
          {description}
        </>
      );
    case 'music':
      return (
        <>
          {title(false)}
          {description}
          {field('musicurl', t('outbound.kefuMusicUrl'), { isRequired: true, max: 1024 })}
          {field('hqmusicurl', t('outbound.kefuHqMusicUrl'), { isRequired: true, max: 1024 })}
          {thumb(true)}
        </>
      );
    case 'news':
      return (
        <>
          {title(true)}
          {description}
          <Form.Item name="url" label={t('outbound.kefuUrl')} rules={[{ required: true, type: 'url' }]}>
            <Input data-testid="kefu-url" />
          </Form.Item>
          <Form.Item name="picurl" label={t('outbound.kefuPicUrl')} rules={[{ type: 'url' }]}>
            <Input data-testid="kefu-picurl" />
          </Form.Item>
        </>
      );
    case 'mpnewsarticle':
      return field('articleId', t('outbound.kefuArticleId'), { isRequired: true, max: 128 });
    case 'msgmenu':
      return (
        <>
          {field('headContent', t('outbound.kefuMenuHead'), { max: 200 })}
          <Form.Item label={t('outbound.kefuMenuItems')} required>
            <Form.List name="menu" initialValue={[{ id: '1', content: '' }]}>
              {(items, { add, remove }) => (
                <>
                  {items.map((item, index) => (
                    <Space key={item.key} align="baseline">
                      <Form.Item name={[item.name, 'id']} rules={required}>
                        <Input
                          placeholder={t('outbound.kefuMenuId')}
                          maxLength={32}
                          style={{ width: 120 }}
                          data-testid={`kefu-menu-id-${index}`}
                        />
                      </Form.Item>
                      <Form.Item name={[item.name, 'content']} rules={required}>
                        <Input
                          placeholder={t('outbound.kefuMenuContent')}
                          maxLength={64}
                          style={{ width: 300 }}
                          data-testid={`kefu-menu-content-${index}`}
                        />
                      </Form.Item>
                      {items.length > 1 ? <Button onClick={() => remove(item.name)}>−</Button> : null}
                    </Space>
                  ))}
                  {items.length < 10 ? (
                    <Button
                      onClick={() => add({ id: String(items.length + 1), content: '' })}
                      data-testid="kefu-menu-add"
                    >
                      {t('outbound.kefuMenuAdd')}
                    </Button>
                  ) : null}
                </>
              )}
            </Form.List>
          </Form.Item>
          {field('tailContent', t('outbound.kefuMenuTail'), { max: 200 })}
        </>
      );
    case 'wxcard':
      return field('cardId', t('outbound.kefuCardId'), { isRequired: true, max: 64 });
    case 'miniprogrampage':
      return (
        <>
          {title(true)}
          {field('appid', t('outbound.kefuMiniAppId'), { isRequired: true, max: 18 })}
          {field('pagepath', t('outbound.kefuMiniPagePath'), { isRequired: true, max: 256 })}
          {thumb(true)}
        </>
      );
    default:
      return null;
  }
}
