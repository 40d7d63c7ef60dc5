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

type Kind = 'text' | 'image' | 'news';

interface Compose {
  readonly openId: string;
  readonly kind: Kind;
  readonly text?: string;
  readonly mediaId?: string;
  readonly title?: string;
  readonly description?: string;
  readonly url?: string;
  readonly picurl?: string;
}

const statusColors: Record<KefuSend['status'], string> = {
  queued: 'default',
  sending: 'processing',
  sent: 'success',
  failed: 'error',
  unknown: 'warning',
};
const openIdPattern = /^[A-Za-z0-9_-]{6,64}$/;

/** WeChat's message/custom/send body (without touser) of what the form holds. */
function messageOf(values: Compose): Record<string, unknown> {
  if (values.kind === 'image') return { msgtype: 'image', image: { media_id: values.mediaId ?? '' } };
  if (values.kind === 'news') {
    const article = {
      title: values.title ?? '',
      url: values.url ?? '',
      ...(values.description ? { description: values.description } : {}),
      ...(values.picurl ? { picurl: values.picurl } : {}),
    };
    return { msgtype: 'news', news: { articles: [article] } };
  }
  return { msgtype: 'text', text: { content: values.text ?? '' } };
}

/**
 * Customer-service (客服) messages: an operator sends a text, an image or a link to one follower
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
      form.resetFields(['text', 'mediaId', 'title', 'description', 'url', 'picurl']);
      onSent();
    } catch (error) {
      void message.error(t('common.error', { message: errorText(error) }));
    } finally {
      setBusy(false);
    }
  };

  const required = [{ required: true }];
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
        <Radio.Group
          options={(['text', 'image', 'news'] as const).map((value) => ({
            value,
            label: t(`outbound.kefuKinds.${value}`),
          }))}
        />
      </Form.Item>
      {kind === 'text' ? (
        <Form.Item name="text" label={t('outbound.massText')} rules={required}>
          <Input.TextArea rows={3} showCount maxLength={2048} data-testid="kefu-text" />
        </Form.Item>
      ) : null}
      {kind === 'image' ? (
        <Form.Item name="mediaId" label="media_id" rules={required}>
          <Input />
        </Form.Item>
      ) : null}
      {kind === 'news' ? (
        <>
          <Form.Item name="title" label={t('outbound.kefuTitle')} rules={required}>
            <Input maxLength={64} />
          </Form.Item>
          <Form.Item name="description" label={t('outbound.kefuDescription')}>
            <Input maxLength={120} />
          </Form.Item>
          <Form.Item name="url" label={t('outbound.kefuUrl')} rules={[{ required: true, type: 'url' }]}>
            <Input />
          </Form.Item>
          <Form.Item name="picurl" label={t('outbound.kefuPicUrl')} rules={[{ type: 'url' }]}>
            <Input />
          </Form.Item>
        </>
      ) : null}
      <Button type="primary" htmlType="submit" loading={busy} data-testid="kefu-submit">
        {t('outbound.kefuSend')}
      </Button>
    </Form>
  );
}
