import { Button, Card, Space, Table, type TableColumnsType, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AccountInput, AccountView } from '../../api/types';
import { formatTime } from '../../format';
import { useCan, useConsole } from '../../session';
import { useAction } from '../../use-load';
import { AccountModal, RotateModal } from './account-forms';

function useColumns(write: boolean, onEdit: (a: AccountView) => void, onRotate: (a: AccountView) => void) {
  const { t } = useTranslation();
  const columns: TableColumnsType<AccountView> = [
    { title: t('accounts.id'), dataIndex: 'id' },
    { title: t('accounts.name'), dataIndex: 'name' },
    { title: t('accounts.appId'), dataIndex: 'appId' },
    { title: t('accounts.mode'), dataIndex: 'mode', render: (m: string) => t(`accounts.modes.${m}`) },
    {
      title: t('common.status'),
      render: (_: unknown, a) => (
        <Space size={4} wrap>
          <Tag color={a.disabled ? 'default' : 'green'}>{a.disabled ? t('common.disabled') : t('common.enabled')}</Tag>
          {a.hasAppSecret && <Tag>{t('accounts.hasAppSecret')}</Tag>}
          {a.hasPreviousAesKey && <Tag color="gold">{t('accounts.previousKey')}</Tag>}
        </Space>
      ),
    },
    { title: t('accounts.updatedAt'), dataIndex: 'updatedAt', render: (at: string) => formatTime(at) },
  ];
  if (write) {
    columns.push({
      title: t('common.actions'),
      render: (_: unknown, a) => (
        <Space>
          <Button size="small" onClick={() => onEdit(a)} data-testid={`edit-${a.id}`}>
            {t('common.edit')}
          </Button>
          <Button size="small" onClick={() => onRotate(a)} data-testid={`rotate-${a.id}`}>
            {t('accounts.rotate')}
          </Button>
        </Space>
      ),
    });
  }
  return columns;
}

export function AccountsPage() {
  const { t } = useTranslation();
  const { api, accounts, reloadAccounts } = useConsole();
  const write = useCan()('accounts:write');
  const act = useAction();
  const [editing, setEditing] = useState<AccountView | 'new'>();
  const [rotating, setRotating] = useState<AccountView>();
  const [selected, setSelected] = useState<readonly string[]>([]);
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
  const batch = async (disabled: boolean) => {
    await done(await act(() => Promise.all(selected.map((id) => api.setAccountDisabled(id, disabled)))));
    setSelected([]);
  };
  return (
    <Card
      extra={
        write && (
          <Space>
            {selected.length > 0 && <span>{t('common.selected', { count: selected.length })}</span>}
            <Button disabled={selected.length === 0} onClick={() => void batch(true)}>
              {t('common.batchDisable')}
            </Button>
            <Button disabled={selected.length === 0} onClick={() => void batch(false)}>
              {t('common.batchEnable')}
            </Button>
            <Button type="primary" onClick={() => setEditing('new')} data-testid="add-account">
              {t('accounts.add')}
            </Button>
          </Space>
        )
      }
    >
      <Table<AccountView>
        rowKey="id"
        size="small"
        dataSource={[...accounts]}
        columns={useColumns(write, setEditing, setRotating)}
        {...(write
          ? { rowSelection: { selectedRowKeys: [...selected], onChange: (keys) => setSelected(keys.map(String)) } }
          : {})}
        pagination={{ pageSize: 20, showTotal: (count) => t('common.total', { count }) }}
      />
      <AccountModal editing={editing} onSave={save} onClose={() => setEditing(undefined)} />
      <RotateModal account={rotating} onRotate={rotate} onClose={() => setRotating(undefined)} />
    </Card>
  );
}
