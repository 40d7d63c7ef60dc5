import { matchTypes, replySummary, replyTypes, ruleKinds } from '@mpstack/admin/api-types';
import {
  Button,
  Card,
  Empty,
  Form,
  Input,
  Popconfirm,
  Select,
  Space,
  Switch,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RuleInput, RuleView } from '../../api/types';
import { formatTime } from '../../format';
import { useCan, useConsole } from '../../session';
import { useAction, useLoad } from '../../use-load';
import { RuleModal } from './rule-form';

interface Filters {
  readonly text?: string;
  readonly kind?: RuleView['kind'];
  readonly matchType?: RuleView['matchType'];
  readonly replyType?: RuleView['reply']['type'];
  readonly status?: 'enabled' | 'disabled';
}

/** The rule as PUT /rules/:id takes it back (the whole rule), with `change` applied. */
function asInput(rule: RuleView, change: Partial<RuleInput> = {}): RuleInput {
  return {
    kind: rule.kind,
    ...(rule.keyword === undefined ? {} : { keyword: rule.keyword, matchType: rule.matchType }),
    reply: rule.reply,
    priority: rule.priority,
    enabled: rule.enabled,
    ...change,
  };
}

function matches(rule: RuleView, filters: Filters): boolean {
  const needle = filters.text?.trim().toLowerCase() ?? '';
  const text = `${rule.keyword ?? ''}\n${replySummary(rule.reply)}`.toLowerCase();
  return (
    (needle === '' || text.includes(needle)) &&
    (filters.kind === undefined || rule.kind === filters.kind) &&
    (filters.matchType === undefined || (rule.kind === 'keyword' && rule.matchType === filters.matchType)) &&
    (filters.replyType === undefined || rule.reply.type === filters.replyType) &&
    (filters.status === undefined || rule.enabled === (filters.status === 'enabled'))
  );
}

interface RowActions {
  readonly edit: (rule: RuleView) => void;
  readonly remove: (rule: RuleView) => void;
  readonly setEnabled: (rule: RuleView, enabled: boolean) => void;
}

function useColumns(write: boolean, actions: RowActions): TableColumnsType<RuleView> {
  const { t } = useTranslation();
  const columns: TableColumnsType<RuleView> = [
    {
      title: t('rules.kind'),
      dataIndex: 'kind',
      width: 120,
      render: (kind: RuleView['kind']) => (
        <Tag color={kind === 'keyword' ? 'blue' : 'purple'}>{t(`rules.kinds.${kind}`)}</Tag>
      ),
    },
    {
      title: t('rules.keyword'),
      dataIndex: 'keyword',
      render: (keyword: string | undefined, rule) =>
        keyword === undefined ? (
          <Typography.Text type="secondary">—</Typography.Text>
        ) : (
          <Space size={4}>
            <Typography.Text code>{keyword}</Typography.Text>
            <Tag>{t(`rules.matchTypes.${rule.matchType}`)}</Tag>
          </Space>
        ),
    },
    {
      title: t('rules.reply'),
      ellipsis: true,
      render: (_: unknown, rule) => (
        <Space size={4}>
          <Tag>{t(`rules.replyTypes.${rule.reply.type}`)}</Tag>
          <span>{replySummary(rule.reply)}</span>
        </Space>
      ),
    },
    {
      title: t('rules.priority'),
      dataIndex: 'priority',
      width: 90,
      sorter: (a, b) => a.priority - b.priority,
    },
    {
      title: t('common.status'),
      dataIndex: 'enabled',
      width: 100,
      render: (enabled: boolean, rule) =>
        write ? (
          <Switch
            size="small"
            checked={enabled}
            onChange={(on) => actions.setEnabled(rule, on)}
            data-testid={`toggle-rule-${rule.id}`}
          />
        ) : (
          <Tag color={enabled ? 'green' : 'default'}>{enabled ? t('common.enabled') : t('common.disabled')}</Tag>
        ),
    },
    { title: t('rules.updatedAt'), dataIndex: 'updatedAt', width: 170, render: (at: string) => formatTime(at) },
  ];
  if (write) {
    columns.push({
      title: t('common.actions'),
      width: 140,
      render: (_: unknown, rule) => (
        <Space size={4}>
          <Button size="small" onClick={() => actions.edit(rule)} data-testid={`edit-rule-${rule.id}`}>
            {t('common.edit')}
          </Button>
          <Popconfirm title={t('rules.deleteConfirm')} onConfirm={() => actions.remove(rule)}>
            <Button size="small" danger data-testid={`delete-rule-${rule.id}`}>
              {t('rules.delete')}
            </Button>
          </Popconfirm>
        </Space>
      ),
    });
  }
  return columns;
}

/** The filters over the table: text in the keyword or the reply, kind, match type, reply type, status. */
function FilterBar(props: { readonly onChange: (filters: Filters) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Filters>();
  const { onChange } = props;
  return (
    <Form<Filters>
      form={form}
      layout="inline"
      onValuesChange={(_, all) => onChange(all)}
      style={{ marginBottom: 16, rowGap: 8 }}
    >
      <Form.Item name="text">
        <Input.Search allowClear placeholder={t('rules.search')} style={{ width: 240 }} data-testid="rules-search" />
      </Form.Item>
      <Form.Item name="kind" label={t('rules.kind')}>
        <Select
          allowClear
          style={{ width: 130 }}
          options={ruleKinds.map((k) => ({ value: k, label: t(`rules.kinds.${k}`) }))}
        />
      </Form.Item>
      <Form.Item name="matchType" label={t('rules.matchType')}>
        <Select
          allowClear
          style={{ width: 120 }}
          options={matchTypes.map((m) => ({ value: m, label: t(`rules.matchTypes.${m}`) }))}
        />
      </Form.Item>
      <Form.Item name="replyType" label={t('rules.replyType')}>
        <Select
          allowClear
          style={{ width: 130 }}
          options={replyTypes.map((r) => ({ value: r, label: t(`rules.replyTypes.${r}`) }))}
        />
      </Form.Item>
      <Form.Item name="status" label={t('common.status')}>
        <Select
          allowClear
          data-testid="rules-filter-status"
          style={{ width: 110 }}
          options={[
            { value: 'enabled', label: t('common.enabled') },
            { value: 'disabled', label: t('common.disabled') },
          ]}
        />
      </Form.Item>
      <Button
        onClick={() => {
          form.resetFields();
          onChange({});
        }}
      >
        {t('common.reset')}
      </Button>
    </Form>
  );
}

/** Enable, disable or delete (confirmed) the selected rules. */
function BatchButtons(props: {
  readonly count: number;
  readonly setEnabled: (enabled: boolean) => void;
  readonly remove: () => void;
}) {
  const { t } = useTranslation();
  const none = props.count === 0;
  return (
    <>
      <Button disabled={none} onClick={() => props.setEnabled(true)}>
        {t('common.batchEnable')}
      </Button>
      <Button disabled={none} onClick={() => props.setEnabled(false)}>
        {t('common.batchDisable')}
      </Button>
      <Popconfirm
        title={t('rules.batchDeleteConfirm', { count: props.count })}
        disabled={none}
        onConfirm={props.remove}
      >
        <Button danger disabled={none} data-testid="batch-delete-rules">
          {t('rules.batchDelete')}
        </Button>
      </Popconfirm>
    </>
  );
}

/**
 * An account's auto-reply rules (keyword, on-follow, default): searched and filtered over the
 * table, created and edited with any reply type, switched on and off, deleted, in batches,
 * exported as CSV. Operators and super-admins write (`rules:write`); others only read.
 */
export function RulesPage() {
  const { t, i18n } = useTranslation();
  const { api, accounts, account } = useConsole();
  const can = useCan();
  const write = can('rules:write');
  const act = useAction();
  const [chosen, setChosen] = useState<string | undefined>(account);
  // The layout's switcher leads; the page's own choice serves "all accounts".
  useEffect(() => setChosen(account), [account]);
  const accountId = chosen ?? accounts[0]?.id;
  const { data, loading, reload } = useLoad(
    async () => (accountId === undefined ? undefined : api.rules(accountId)),
    [api, accountId],
  );
  const [filters, setFilters] = useState<Filters>({});
  const [editing, setEditing] = useState<RuleView | 'new'>();
  const [selected, setSelected] = useState<readonly number[]>([]);
  const rules = data?.items ?? [];
  const shown = rules.filter((rule) => matches(rule, filters));
  const picked = rules.filter((rule) => selected.includes(rule.id));

  const done = async (ok: boolean) => {
    await reload();
    return ok;
  };
  const save = async (input: RuleInput) => {
    if (accountId === undefined) return false;
    const target = editing;
    const ok = await act(() =>
      target === 'new' || target === undefined ? api.createRule(accountId, input) : api.updateRule(target.id, input),
    );
    if (ok) setEditing(undefined);
    return done(ok);
  };
  const batch = async (change: (rule: RuleView) => Promise<unknown>) => {
    await done(await act(() => Promise.all(picked.map(change))));
    setSelected([]);
  };
  const actions: RowActions = {
    edit: setEditing,
    remove: (rule) => void act(() => api.deleteRule(rule.id)).then(done),
    setEnabled: (rule, enabled) => void act(() => api.updateRule(rule.id, asInput(rule, { enabled }))).then(done),
  };
  const columns = useColumns(write, actions);

  if (accounts.length === 0) return <Empty description={t('rules.noAccount')} />;
  return (
    <Card
      title={
        <Space>
          <span>{t('app.account')}</span>
          <Select<string>
            data-testid="rules-account"
            style={{ minWidth: 220 }}
            value={accountId ?? null}
            onChange={setChosen}
            options={accounts.map((a) => ({ value: a.id, label: `${a.name} (${a.id})` }))}
          />
        </Space>
      }
      extra={
        <Space>
          {write && selected.length > 0 && <span>{t('common.selected', { count: selected.length })}</span>}
          {write && (
            <BatchButtons
              count={selected.length}
              setEnabled={(enabled) => void batch((rule) => api.updateRule(rule.id, asInput(rule, { enabled })))}
              remove={() => void batch((rule) => api.deleteRule(rule.id))}
            />
          )}
          {can('logs:export') && accountId !== undefined && (
            <Button
              href={api.rulesCsvUrl(accountId, i18n.language === 'en' ? 'en' : 'zh-CN')}
              data-testid="export-rules-csv"
            >
              {t('common.exportCsv')}
            </Button>
          )}
          {write && (
            <Button type="primary" onClick={() => setEditing('new')} data-testid="add-rule">
              {t('rules.add')}
            </Button>
          )}
        </Space>
      }
    >
      <FilterBar onChange={setFilters} />
      <Table<RuleView>
        rowKey="id"
        size="small"
        loading={loading}
        dataSource={shown}
        data-testid="rules-table"
        columns={columns}
        {...(write
          ? { rowSelection: { selectedRowKeys: [...selected], onChange: (keys) => setSelected(keys.map(Number)) } }
          : {})}
        pagination={{ pageSize: 20, showSizeChanger: true, showTotal: (count) => t('common.total', { count }) }}
      />
      <RuleModal editing={editing} onSave={save} onClose={() => setEditing(undefined)} />
    </Card>
  );
}
