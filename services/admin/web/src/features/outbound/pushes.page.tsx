import type { FormInstance, TableColumnsType } from 'antd';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Descriptions,
  Drawer,
  Form,
  Input,
  Progress,
  Select,
  Space,
  Table,
  Tag,
  Typography,
  Upload,
} from 'antd';
import type { Dayjs } from 'dayjs';
import type { TFunction } from 'i18next';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText, formatTime } from '../../format';
import { useCan, useConsole } from '../../session';
import { useLoad } from '../../use-load';
import { formatDuration } from './account-select';
import { rateText } from './health.page';
import type { CatalogTemplate, PushEstimate, TemplateList } from './outbound-types';

/** A push job as the business service shows it (services/business/src/pushes). */
interface Push {
  readonly id: number;
  readonly account: string;
  readonly name: string;
  readonly templateId: string;
  readonly state: 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';
  readonly stateReason: string | null;
  readonly scheduledAt: number | null;
  readonly total: number;
  readonly sent: number;
  readonly failed: number;
  readonly createdAt: number;
  readonly counts?: Readonly<Record<string, number>>;
  readonly rate?: number | null;
  readonly etaSeconds?: number | null;
}

interface UploadReport {
  readonly accepted: number;
  readonly duplicates: number;
  readonly emptyLines: number;
  readonly rejected: number;
  readonly columns: readonly string[];
}

interface Compose {
  readonly account: string;
  readonly name: string;
  readonly templateId: string;
  readonly fields: string;
  readonly url?: string;
  readonly scheduledAt?: Dayjs;
}

const stateColors: Record<Push['state'], string> = {
  draft: 'default',
  scheduled: 'purple',
  running: 'processing',
  paused: 'warning',
  completed: 'success',
  cancelled: 'error',
};

/** `thing1 = {{name}}` lines → the template's fields. */
function fieldsOf(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) fields[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return fields;
}

/** The first data row of a CSV (header → value), for the live preview; XLSX files are previewed by the server only. */
function firstRow(csv: string): Record<string, string> {
  const [header = '', row = ''] = csv.replace(/^\uFEFF/, '').split(/\r?\n/);
  const names = header.split(',').map((s) => s.trim());
  const cells = row.split(',');
  return Object.fromEntries(names.map((name, i) => [name, (cells[i] ?? '').trim()]));
}

const fill = (template: string, row: Record<string, string>) =>
  template.replace(/\{\{\s*([^}\s]+)\s*\}\}/g, (_m, name: string) => row[name] ?? `{{${name}}}`);

function progressStatus(push: Push): 'exception' | 'success' | 'normal' {
  if (push.failed > 0) return 'exception';
  return done(push) === 100 ? 'success' : 'normal';
}

function done(push: Push): number {
  return push.total === 0 ? 0 : Math.floor(((push.sent + push.failed) / push.total) * 100);
}

/** Push jobs (issue 11): compose with an upload and a live preview, then watch the progress, pause / resume / cancel, download the failures. */
export function PushesPage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const { message } = App.useApp();
  const can = useCan();
  const writer = can('pushes:write');
  const [tick, setTick] = useState(0);
  const { data, reload } = useLoad(() => api.outbound<{ pushes: Push[] }>('GET', '/pushes?limit=50'), [api, tick]);
  const [details, setDetails] = useState<Record<number, Push>>({});
  const [composing, setComposing] = useState(false);
  const pushes = data?.pushes ?? [];
  const live = pushes.filter((p) => p.state === 'running' || p.state === 'scheduled' || p.state === 'paused');

  // Progress, rate and ETA of the live pushes every two seconds.
  useEffect(() => {
    if (live.length === 0) return undefined;
    const timer = setInterval(() => setTick((n) => n + 1), 2000);
    return () => clearInterval(timer);
  }, [live.length]);
  useEffect(() => {
    // Rate, ETA and receipt counts: each push's own view (the list has only its counters).
    for (const push of data?.pushes ?? []) {
      if (push.total === 0) continue;
      void api.outbound<Push>('GET', `/pushes/${push.id}`).then(
        (view) => setDetails((d) => ({ ...d, [push.id]: view })),
        () => undefined,
      );
    }
  }, [api, data]);

  const act = async (push: Push, action: 'start' | 'pause' | 'resume' | 'cancel') => {
    try {
      await api.outbound('POST', `/pushes/${push.id}/${action}`, {});
      await reload();
    } catch (error) {
      void message.error(t('common.error', { message: errorText(error) }));
    }
  };

  return (
    <Card
      title={t('outbound.pushes')}
      extra={
        writer ? (
          <Button type="primary" onClick={() => setComposing(true)} data-testid="push-compose">
            {t('outbound.compose')}
          </Button>
        ) : null
      }
    >
      <Table<Push>
        rowKey="id"
        size="small"
        dataSource={pushes.map((p) => ({ ...p, ...details[p.id], state: p.state, sent: p.sent, failed: p.failed }))}
        expandable={{
          expandedRowRender: (push) => (
            <Descriptions size="small" column={3} title={t('outbound.receipts')}>
              {Object.entries(details[push.id]?.counts ?? {}).map(([key, n]) => (
                <Descriptions.Item key={key} label={key}>
                  {n}
                </Descriptions.Item>
              ))}
            </Descriptions>
          ),
        }}
        columns={pushColumns({ t, writer, details, act, base: api.base })}
      />
      <ComposeDrawer
        open={composing}
        onClose={() => {
          setComposing(false);
          void reload();
        }}
      />
    </Card>
  );
}

interface ColumnsOptions {
  readonly t: TFunction;
  readonly writer: boolean;
  readonly details: Readonly<Record<number, Push>>;
  readonly act: (push: Push, action: 'start' | 'pause' | 'resume' | 'cancel') => Promise<void>;
  readonly base: string;
}

function pushColumns({ t, writer, details, act, base }: ColumnsOptions): TableColumnsType<Push> {
  const api = { base };
  return [
    { title: 'ID', dataIndex: 'id', width: 60 },
    { title: t('outbound.name'), dataIndex: 'name' },
    { title: t('outbound.account'), dataIndex: 'account' },
    {
      title: t('outbound.state'),
      dataIndex: 'state',
      render: (state: Push['state'], push) => (
        <Tag color={stateColors[state]} title={push.stateReason ?? undefined}>
          {t(`outbound.states.${state}`)}
        </Tag>
      ),
    },
    {
      title: t('outbound.progress'),
      width: 220,
      render: (_v, push) => (
        <div data-testid={`push-progress-${push.id}`} data-percent={done(push)}>
          <Progress percent={done(push)} size="small" status={progressStatus(push)} />
          <Typography.Text type="secondary">
            {t('outbound.counts', { sent: push.sent, failed: push.failed, total: push.total })}
          </Typography.Text>
        </div>
      ),
    },
    {
      title: t('outbound.rate'),
      render: (_v, push) => {
        const view = details[push.id];
        if (view?.rate == null) return '—';
        const eta = view.etaSeconds == null ? '' : ` · ${t('outbound.eta', { seconds: view.etaSeconds })}`;
        return `${view.rate.toFixed(1)}/s${eta}`;
      },
    },
    { title: t('common.time'), dataIndex: 'createdAt', render: (at: number) => formatTime(at), width: 170 },
    {
      title: t('outbound.actions'),
      render: (_v, push) => (
        <Space size={0} wrap>
          {writer && push.state === 'draft' && push.total > 0 ? (
            <Button type="link" onClick={() => act(push, 'start')} data-testid={`push-start-${push.id}`}>
              {t('outbound.start')}
            </Button>
          ) : null}
          {writer && push.state === 'running' ? (
            <Button type="link" onClick={() => act(push, 'pause')}>
              {t('outbound.pause')}
            </Button>
          ) : null}
          {writer && push.state === 'paused' ? (
            <Button type="link" onClick={() => act(push, 'resume')}>
              {t('outbound.resume')}
            </Button>
          ) : null}
          {writer && ['scheduled', 'running', 'paused'].includes(push.state) ? (
            <Button type="link" danger onClick={() => act(push, 'cancel')}>
              {t('outbound.cancel')}
            </Button>
          ) : null}
          {push.failed > 0 ? (
            <Button
              type="link"
              href={`${api.base}/outbound/pushes/${push.id}/failures.csv`}
              data-testid={`push-failures-${push.id}`}
            >
              {t('outbound.failures')}
            </Button>
          ) : null}
        </Space>
      ),
    },
  ];
}

function ComposeDrawer({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const { message } = App.useApp();
  const [form] = Form.useForm<Compose>();
  const fieldsText = Form.useWatch('fields', form) ?? '';
  const [file, setFile] = useState<File>();
  const [sample, setSample] = useState<Record<string, string>>({});
  const [push, setPush] = useState<Push>();
  const [report, setReport] = useState<UploadReport>();
  const [busy, setBusy] = useState(false);
  const preview = useMemo(
    () => Object.entries(fieldsOf(fieldsText)).map(([key, value]) => [key, fill(value, sample)] as const),
    [fieldsText, sample],
  );

  const fail = (error: unknown) => void message.error(t('common.error', { message: errorText(error) }));

  const create = async (values: Compose) => {
    if (file === undefined) {
      void message.error(t('outbound.needFile'));
      return;
    }
    setBusy(true);
    try {
      const created = await api.outbound<Push>('POST', '/pushes', {
        account: values.account,
        name: values.name,
        templateId: values.templateId,
        fields: fieldsOf(values.fields),
        ...(values.url ? { url: values.url } : {}),
      });
      setPush(created);
      setReport(await api.uploadRecipients<UploadReport>(created.id, file));
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };

  const start = async () => {
    if (push === undefined) return;
    const when = form.getFieldValue('scheduledAt') as Dayjs | undefined;
    try {
      await api.outbound('POST', `/pushes/${push.id}/start`, when ? { scheduledAt: when.valueOf() } : {});
      close();
    } catch (error) {
      fail(error);
    }
  };

  const close = () => {
    form.resetFields();
    setFile(undefined);
    setSample({});
    setPush(undefined);
    setReport(undefined);
    onClose();
  };

  return (
    <Drawer open={open} onClose={close} size="large" title={t('outbound.compose')} destroyOnHidden>
      <Form<Compose>
        form={form}
        layout="vertical"
        onFinish={create}
        initialValues={{ account: 'demo' }}
        disabled={push !== undefined}
      >
        <Form.Item name="account" label={t('outbound.account')} rules={[{ required: true }]}>
          <Input />
        </Form.Item>
        <Form.Item name="name" label={t('outbound.name')} rules={[{ required: true }]}>
          <Input data-testid="push-name" />
        </Form.Item>
        <TemplatePicker form={form} open={open} />
        <Form.Item
          name="fields"
          label={t('outbound.fields')}
          tooltip={t('outbound.fieldsHint')}
          rules={[{ required: true }]}
        >
          <Input.TextArea rows={4} placeholder="thing1 = {{name}}" data-testid="push-fields" />
        </Form.Item>
        <Form.Item name="url" label={t('outbound.url')}>
          <Input />
        </Form.Item>
        <Form.Item label={t('outbound.file')} required>
          <Upload
            accept=".csv,.xlsx"
            maxCount={1}
            beforeUpload={(chosen) => {
              setFile(chosen);
              if (chosen.name.toLowerCase().endsWith('.csv')) {
                void chosen
                  .slice(0, 64 * 1024)
                  .text()
                  .then((text) => setSample(firstRow(text)));
              }
              return false;
            }}
            onRemove={() => setFile(undefined)}
          >
            <Button data-testid="push-file">{t('outbound.chooseFile')}</Button>
          </Upload>
        </Form.Item>
        <Card size="small" title={t('outbound.preview')} data-testid="push-preview" style={{ marginBottom: 16 }}>
          {preview.length === 0 ? (
            <Typography.Text type="secondary">—</Typography.Text>
          ) : (
            preview.map(([key, value]) => (
              <div key={key}>
                <Typography.Text type="secondary">{key}: </Typography.Text>
                {value}
              </div>
            ))
          )}
        </Card>
        <Form.Item name="scheduledAt" label={t('outbound.scheduledAt')}>
          <DatePicker showTime />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="push-upload">
          {t('outbound.createAndUpload')}
        </Button>
      </Form>
      {report !== undefined && push !== undefined ? <ReadyToStart push={push} report={report} onStart={start} /> : null}
      {report !== undefined && push !== undefined ? (
        <Estimate account={push.account} recipients={report.accepted} />
      ) : null}
    </Drawer>
  );
}

/**
 * The template, picked from the account's synced library (its fields shown under it); picking
 * one lays out its fields in the fields box, one `key = ` line each, keeping values typed.
 */
function TemplatePicker({ form, open }: { form: FormInstance<Compose>; open: boolean }) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const account = Form.useWatch('account', form) ?? 'demo';
  const templateId = Form.useWatch('templateId', form);
  const { data: library } = useLoad(
    () =>
      open && account !== ''
        ? api.outbound<TemplateList>('GET', `/templates?account=${encodeURIComponent(account)}`)
        : Promise.resolve(undefined),
    [api, account, open],
  );
  const templates = library?.templates ?? [];
  const pick = (id: string) => {
    const template = templates.find((tpl) => tpl.templateId === id);
    if (template === undefined) return;
    const current = fieldsOf(form.getFieldValue('fields') ?? '');
    form.setFieldValue('fields', template.fields.map((f) => `${f.key} = ${current[f.key] ?? ''}`).join('\n'));
  };
  return (
    <Form.Item
      name="templateId"
      label={t('outbound.template')}
      rules={[{ required: true }]}
      extra={
        templates.length === 0
          ? t('outbound.noTemplates')
          : fieldsHelp(templates.find((tpl) => tpl.templateId === templateId))
      }
    >
      <Select
        data-testid="push-template"
        showSearch
        optionFilterProp="label"
        onChange={pick}
        options={templates.map((tpl) => ({ value: tpl.templateId, label: `${tpl.title} (${tpl.templateId})` }))}
      />
    </Form.Item>
  );
}

/** The fields of the picked template with their labels, under the template select. */
function fieldsHelp(template: CatalogTemplate | undefined) {
  if (template === undefined) return undefined;
  return (
    <Space size={[0, 4]} wrap data-testid="push-template-fields">
      {template.fields.map((f) => (
        <Tag key={f.key}>{f.label === '' ? f.key : `${f.label} · ${f.key}`}</Tag>
      ))}
    </Space>
  );
}

/** How many recipients resolved, how long they take at the account's template rate, and whether today's quota holds them. */
function Estimate({ account, recipients }: { account: string; recipients: number }) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const { data } = useLoad(
    () =>
      api.outbound<PushEstimate>('GET', `/estimate?account=${encodeURIComponent(account)}&recipients=${recipients}`),
    [api, account, recipients],
  );
  if (data === undefined) return null;
  return (
    <Card size="small" style={{ marginTop: 16 }} data-testid="push-estimate">
      <Typography.Paragraph>
        {t('outbound.resolved', { count: data.recipients })}{' '}
        {data.seconds === null
          ? t('outbound.estimateUnlimited')
          : t('outbound.estimate', { duration: formatDuration(data.seconds), rate: rateText(t, data.rate) })}
      </Typography.Paragraph>
      <Typography.Text type="secondary">
        {t('outbound.quotaToday', { used: data.quota.used, limit: data.quota.limit, remaining: data.quota.remaining })}
      </Typography.Text>
      {data.exceedsQuota ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 8 }}
          data-testid="push-quota-exceeded"
          message={t('outbound.quotaExceeded', { remaining: data.quota.remaining, count: data.recipients })}
        />
      ) : null}
    </Card>
  );
}

function ReadyToStart({ push, report, onStart }: { push: Push; report: UploadReport; onStart: () => Promise<void> }) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const { message } = App.useApp();
  const [previewTo, setPreviewTo] = useState('');
  const fail = (error: unknown) => void message.error(t('common.error', { message: errorText(error) }));
  return (
    <Card size="small" style={{ marginTop: 16 }} data-testid="push-report">
      <Typography.Paragraph>
        {t('outbound.report', {
          accepted: report.accepted,
          rejected: report.rejected,
          duplicates: report.duplicates,
          empty: report.emptyLines,
        })}
      </Typography.Paragraph>
      <Space wrap>
        <Input
          placeholder={t('outbound.previewTo')}
          value={previewTo}
          onChange={(e) => setPreviewTo(e.target.value)}
          style={{ width: 240 }}
        />
        <Button
          disabled={previewTo === ''}
          onClick={() =>
            api
              .outbound('POST', `/pushes/${push.id}/preview`, { openId: previewTo })
              .then(() => void message.success(t('outbound.previewSent')), fail)
          }
        >
          {t('outbound.sendPreview')}
        </Button>
        <Button type="primary" onClick={onStart} data-testid="push-start">
          {t('outbound.start')}
        </Button>
      </Space>
    </Card>
  );
}
