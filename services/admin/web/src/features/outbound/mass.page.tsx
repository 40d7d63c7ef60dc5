import type { TableColumnsType } from 'antd';
import {
  App,
  Button,
  Card,
  DatePicker,
  Drawer,
  Form,
  Input,
  Modal,
  Radio,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import type { TFunction } from 'i18next';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText, formatTime } from '../../format';
import { useCan, useConsole } from '../../session';
import { useLoad } from '../../use-load';
import { useAccountLoad, useOutboundAccount } from './account-select';
import type { FollowerTag, MassSend } from './outbound-types';

interface Create {
  readonly target: 'all' | 'tag';
  readonly tagId?: number;
  readonly msgtype: 'text' | 'mpnews' | 'image' | 'voice' | 'mpvideo';
  readonly text?: string;
  readonly mediaId?: string;
  readonly scheduledAt?: Dayjs;
}

const stateColors: Record<MassSend['state'], string> = {
  scheduled: 'purple',
  sending: 'processing',
  submitted: 'processing',
  finished: 'success',
  failed: 'error',
  cancelled: 'default',
  deleted: 'default',
};
const live = new Set<MassSend['state']>(['scheduled', 'sending', 'submitted']);

/**
 * Mass sends (群发) of an account: the list with each send's state and its MASSSENDJOBFINISH
 * figures, a new send to every follower or a tag (now or scheduled), a preview to one follower,
 * cancel (scheduled) and delete (sent). The account type's limits are the business service's.
 */
export function MassPage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const { message, modal } = App.useApp();
  const writer = useCan()('pushes:write');
  const [account, accountSelect] = useOutboundAccount();
  const [tick, setTick] = useState(0);
  const query = account === undefined ? '' : `?account=${encodeURIComponent(account)}&limit=100`;
  const { data, loading, reload } = useLoad(
    () => api.outbound<{ mass: MassSend[] }>('GET', `/mass${query}`),
    [api, query, tick],
  );
  const { data: tagList } = useAccountLoad<{ tags: FollowerTag[] }>(account, '/tags');
  const [creating, setCreating] = useState(false);
  const [previewing, setPreviewing] = useState<MassSend>();
  const sends = data?.mass ?? [];
  const tags = tagList?.tags ?? [];
  const isLive = sends.some((s) => live.has(s.state));

  // A send in flight: its state and finish figures every three seconds.
  useEffect(() => {
    if (!isLive) return undefined;
    const timer = setInterval(() => setTick((n) => n + 1), 3000);
    return () => clearInterval(timer);
  }, [isLive]);

  const act = async (send: MassSend, action: 'cancel' | 'delete') => {
    try {
      await api.outbound('POST', `/mass/${send.id}/${action}`, {});
      await reload();
    } catch (error) {
      void message.error(t('common.error', { message: errorText(error) }));
    }
  };
  const confirmDelete = (send: MassSend) =>
    modal.confirm({ title: t('outbound.massDeleteConfirm'), onOk: () => act(send, 'delete') });

  return (
    <Card
      title={t('outbound.mass')}
      extra={
        <Space>
          {accountSelect}
          {writer ? (
            <Button type="primary" onClick={() => setCreating(true)} data-testid="mass-create">
              {t('outbound.massCreate')}
            </Button>
          ) : null}
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t('outbound.massLimits')}</Typography.Paragraph>
      <Table<MassSend>
        rowKey="id"
        size="small"
        loading={loading && data === undefined}
        dataSource={sends}
        columns={massColumns({ t, tags, writer, act, confirmDelete, preview: setPreviewing })}
      />
      {account === undefined ? null : (
        <CreateDrawer
          open={creating}
          account={account}
          tags={tags}
          onClose={() => {
            setCreating(false);
            void reload();
          }}
        />
      )}
      <PreviewModal send={previewing} onClose={() => setPreviewing(undefined)} />
    </Card>
  );
}

interface ColumnsOptions {
  readonly t: TFunction;
  readonly tags: readonly FollowerTag[];
  readonly writer: boolean;
  readonly act: (send: MassSend, action: 'cancel' | 'delete') => Promise<void>;
  readonly confirmDelete: (send: MassSend) => void;
  readonly preview: (send: MassSend) => void;
}

function massColumns({ t, tags, writer, act, confirmDelete, preview }: ColumnsOptions): TableColumnsType<MassSend> {
  return [
    { title: 'ID', dataIndex: 'id', width: 60 },
    {
      title: t('outbound.massTarget'),
      render: (_v, send) =>
        send.target === 'all'
          ? t('outbound.massAll')
          : `${tags.find((tag) => tag.id === send.tagId)?.name ?? t('outbound.massTag')} #${send.tagId}`,
    },
    { title: t('outbound.msgtype'), dataIndex: 'msgtype' },
    {
      title: t('outbound.state'),
      render: (_v, send) => (
        <Tag
          color={stateColors[send.state]}
          title={send.errmsg ?? undefined}
          data-testid={`mass-state-${send.id}`}
          data-state={send.state}
        >
          {t(`outbound.massStates.${send.state}`)}
          {send.errcode === null ? '' : ` ${send.errcode}`}
        </Tag>
      ),
    },
    { title: t('outbound.massSendAt'), dataIndex: 'scheduledAt', render: (at: number) => formatTime(at), width: 170 },
    {
      title: t('outbound.massFinish'),
      render: (_v, send) =>
        send.counts === null ? (
          '—'
        ) : (
          <span data-testid={`mass-counts-${send.id}`}>
            {t('outbound.massCounts', {
              total: send.counts.total,
              filter: send.counts.filter,
              sent: send.counts.sent,
              error: send.counts.error,
            })}
          </span>
        ),
    },
    {
      title: t('outbound.actions'),
      render: (_v, send) =>
        writer ? (
          <Space size={0} wrap>
            {send.state === 'scheduled' ? (
              <>
                <Button type="link" onClick={() => preview(send)}>
                  {t('outbound.sendPreview')}
                </Button>
                <Button type="link" danger onClick={() => act(send, 'cancel')}>
                  {t('outbound.cancel')}
                </Button>
              </>
            ) : null}
            {send.state === 'submitted' || send.state === 'finished' ? (
              <Button type="link" danger onClick={() => confirmDelete(send)} data-testid={`mass-delete-${send.id}`}>
                {t('outbound.massDelete')}
              </Button>
            ) : null}
          </Space>
        ) : null,
    },
  ];
}

function CreateDrawer({
  open,
  account,
  tags,
  onClose,
}: {
  open: boolean;
  account: string;
  tags: readonly FollowerTag[];
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const { message } = App.useApp();
  const [form] = Form.useForm<Create>();
  const target = Form.useWatch('target', form);
  const msgtype = Form.useWatch('msgtype', form);
  const [busy, setBusy] = useState(false);

  const create = async (values: Create) => {
    setBusy(true);
    try {
      await api.outbound('POST', '/mass', {
        account,
        target: values.target === 'all' ? { all: true } : { tagId: values.tagId },
        msgtype: values.msgtype,
        content: values.msgtype === 'text' ? { content: values.text ?? '' } : { media_id: values.mediaId ?? '' },
        ...(values.scheduledAt ? { scheduledAt: values.scheduledAt.valueOf() } : {}),
      });
      form.resetFields();
      onClose();
    } catch (error) {
      void message.error(t('common.error', { message: errorText(error) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Drawer
      open={open}
      onClose={onClose}
      size="large"
      title={`${t('outbound.massCreate')} · ${account}`}
      destroyOnHidden
    >
      <Form<Create> form={form} layout="vertical" onFinish={create} initialValues={{ target: 'all', msgtype: 'text' }}>
        <Form.Item name="target" label={t('outbound.massTarget')}>
          <Radio.Group
            options={[
              { value: 'all', label: t('outbound.massAll') },
              { value: 'tag', label: t('outbound.massTag') },
            ]}
            data-testid="mass-target"
          />
        </Form.Item>
        {target === 'tag' ? (
          <Form.Item name="tagId" label={t('outbound.massTag')} rules={[{ required: true }]}>
            <Select
              data-testid="mass-tag"
              placeholder={tags.length === 0 ? t('outbound.noTags') : undefined}
              options={tags.map((tag) => ({
                value: tag.id,
                label: t('outbound.tagOption', { name: tag.name, count: tag.count }),
              }))}
            />
          </Form.Item>
        ) : null}
        <Form.Item name="msgtype" label={t('outbound.msgtype')}>
          <Select options={['text', 'mpnews', 'image', 'voice', 'mpvideo'].map((value) => ({ value, label: value }))} />
        </Form.Item>
        {msgtype === 'text' || msgtype === undefined ? (
          <Form.Item name="text" label={t('outbound.massText')} rules={[{ required: true }]}>
            <Input.TextArea rows={4} data-testid="mass-text" />
          </Form.Item>
        ) : (
          <Form.Item name="mediaId" label="media_id" rules={[{ required: true }]}>
            <Input />
          </Form.Item>
        )}
        <Form.Item name="scheduledAt" label={t('outbound.scheduledAt')}>
          <DatePicker showTime />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="mass-submit">
          {t('outbound.massSubmit')}
        </Button>
      </Form>
    </Drawer>
  );
}

function PreviewModal({ send, onClose }: { send: MassSend | undefined; onClose: () => void }) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const { message } = App.useApp();
  const [openId, setOpenId] = useState('');
  const sendPreview = async () => {
    if (send === undefined) return;
    try {
      await api.outbound('POST', `/mass/${send.id}/preview`, { openId });
      void message.success(t('outbound.previewSent'));
      onClose();
    } catch (error) {
      void message.error(t('common.error', { message: errorText(error) }));
    }
  };
  return (
    <Modal
      open={send !== undefined}
      title={t('outbound.sendPreview')}
      onCancel={onClose}
      onOk={sendPreview}
      okButtonProps={{ disabled: openId === '' }}
      destroyOnHidden
    >
      <Input placeholder={t('outbound.previewTo')} value={openId} onChange={(e) => setOpenId(e.target.value)} />
    </Modal>
  );
}
