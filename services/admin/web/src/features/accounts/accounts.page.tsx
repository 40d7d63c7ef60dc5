import { Button, Card, Input, Popconfirm, Space, Table, type TableColumnsType, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AccountInput, AccountSendLimitsView, AccountView } from '../../api/types';
import { BatchToolbar } from '../../components/batch-toolbar';
import { formatTime } from '../../format';
import { useCan, useConsole } from '../../session';
import { useAction } from '../../use-load';
import { AccountModal, RotateModal } from './account-forms';
import { SendLimitsModal, SendLimitTags } from './send-limits-form';

interface RowActions {
  readonly edit: (a: AccountView) => void;
  readonly rotate: (a: AccountView) => void;
  readonly limits: (a: AccountView) => void;
  readonly retire: (a: AccountView) => void;
  readonly setDisabled: (a: AccountView, disabled: boolean) => void;
}

function useColumns(write: boolean, actions: RowActions) {
  const { t } = useTranslation();
  const columns: TableColumnsType<AccountView> = [
    { title: t('accounts.id'), dataIndex: 'id', sorter: (a, b) => a.id.localeCompare(b.id) },
    { title: t('accounts.name'), dataIndex: 'name' },
    { title: t('accounts.appId'), dataIndex: 'appId' },
    {
      title: t('accounts.mode'),
      dataIndex: 'mode',
      render: (m: string) => t(`accounts.modes.${m}`),
      filters: (['plain', 'compatible', 'safe'] as const).map((m) => ({ text: t(`accounts.modes.${m}`), value: m })),
      onFilter: (value, a) => a.mode === value,
    },
    {
      title: t('common.status'),
      filters: [
        { text: t('common.enabled'), value: 'enabled' },
        { text: t('common.disabled'), value: 'disabled' },
      ],
      onFilter: (value, a) => (value === 'disabled') === a.disabled,
      render: (_: unknown, a) => (
        <Space size={4} wrap>
          <Tag color={a.disabled ? 'default' : 'green'}>{a.disabled ? t('common.disabled') : t('common.enabled')}</Tag>
          {a.hasAppSecret && <Tag>{t('accounts.hasAppSecret')}</Tag>}
          {a.hasPreviousAesKey && (
            <Tag color="gold" data-testid={`previous-key-${a.id}`}>
              {t('accounts.previousKey')}
            </Tag>
          )}
        </Space>
      ),
    },
    { title: t('accounts.sendLimits'), render: (_: unknown, a) => <SendLimitTags account={a} /> },
    { title: t('accounts.updatedAt'), dataIndex: 'updatedAt', render: (at: string) => formatTime(at) },
  ];
  if (write) {
    columns.push({
      title: t('common.actions'),
      render: (_: unknown, a) => (
        <Space size={4} wrap>
          <Button size="small" onClick={() => actions.edit(a)} data-testid={`edit-${a.id}`}>
            {t('common.edit')}
          </Button>
          <Button size="small" onClick={() => actions.rotate(a)} data-testid={`rotate-${a.id}`}>
            {t('accounts.rotate')}
          </Button>
          <Button size="small" onClick={() => actions.limits(a)} data-testid={`send-limits-${a.id}`}>
            {t('accounts.sendLimits')}
          </Button>
          {a.hasPreviousAesKey && (
            <Popconfirm title={t('accounts.endRotationConfirm')} onConfirm={() => actions.retire(a)}>
              <Button size="small" data-testid={`retire-${a.id}`}>
                {t('accounts.endRotation')}
              </Button>
            </Popconfirm>
          )}
          {a.disabled ? (
            <Button size="small" onClick={() => actions.setDisabled(a, false)} data-testid={`enable-${a.id}`}>
              {t('accounts.enable')}
            </Button>
          ) : (
            <Popconfirm title={t('accounts.disableConfirm')} onConfirm={() => actions.setDisabled(a, true)}>
              <Button size="small" danger data-testid={`disable-${a.id}`}>
                {t('accounts.disable')}
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    });
  }
  return columns;
}

/** The official accounts of this deployment: search, add, edit, rotate the AES key, disable (super-admins write). */
export function AccountsPage() {
  const { t } = useTranslation();
  const { api, accounts, reloadAccounts } = useConsole();
  const write = useCan()('accounts:write');
  const act = useAction();
  const [editing, setEditing] = useState<AccountView | 'new'>();
  const [rotating, setRotating] = useState<AccountView>();
  const [limiting, setLimiting] = useState<AccountView>();
  const [selected, setSelected] = useState<readonly string[]>([]);
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const shown = accounts.filter((a) =>
    [a.id, a.name, a.appId].some((field) => needle === '' || field.toLowerCase().includes(needle)),
  );
  const done = async (ok: boolean) => {
    if (ok) await reloadAccounts();
    return ok;
  };
  const save = async (input: AccountInput) => {
    const ok = await act(() =>
      editing === 'new' || editing === undefined ? api.createAccount(input) : api.updateAccount(editing.id, input),
    );
    if (ok) setEditing(undefined);
    return done(ok);
  };
  const rotate = async (key: string) => {
    const ok = rotating !== undefined && (await act(() => api.rotateAesKey(rotating.id, key)));
    if (ok) setRotating(undefined);
    return done(ok);
  };
  const saveLimits = async (id: string, limits: AccountSendLimitsView) => {
    const ok = await act(() => api.setSendLimits(id, limits));
    if (ok) setLimiting(undefined);
    return done(ok);
  };
  const batch = async (disabled: boolean) => {
    await done(await act(() => Promise.all(selected.map((id) => api.setAccountDisabled(id, disabled)))));
    setSelected([]);
  };
  const actions: RowActions = {
    edit: setEditing,
    rotate: setRotating,
    limits: setLimiting,
    retire: (a) => void act(() => api.retirePreviousAesKey(a.id)).then(done),
    setDisabled: (a, disabled) => void act(() => api.setAccountDisabled(a.id, disabled)).then(done),
  };
  return (
    <Card
      title={
        <Input.Search
          allowClear
          placeholder={t('accounts.search')}
          style={{ width: 280 }}
          onSearch={setSearch}
          onChange={(e) => setSearch(e.target.value)}
        />
      }
      extra={
        write && (
          <BatchToolbar
            selected={selected.length}
            onBatch={(disable) => void batch(disable)}
            addLabel={t('accounts.add')}
            onAdd={() => setEditing('new')}
            addTestId="add-account"
          />
        )
      }
    >
      <Table<AccountView>
        rowKey="id"
        size="small"
        dataSource={shown}
        data-testid="accounts-table"
        columns={useColumns(write, actions)}
        {...(write
          ? { rowSelection: { selectedRowKeys: [...selected], onChange: (keys) => setSelected(keys.map(String)) } }
          : {})}
        pagination={{ pageSize: 20, showSizeChanger: true, showTotal: (count) => t('common.total', { count }) }}
      />
      <AccountModal editing={editing} onSave={save} onClose={() => setEditing(undefined)} />
      <RotateModal account={rotating} onRotate={rotate} onClose={() => setRotating(undefined)} />
      <SendLimitsModal account={limiting} onSave={saveLimits} onClose={() => setLimiting(undefined)} />
    </Card>
  );
}
