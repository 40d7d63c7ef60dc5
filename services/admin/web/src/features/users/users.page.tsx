import { passwordRuleProblems } from '@mpstack/admin/api-types';
import { Button, Card, Form, Input, Modal, Select, Switch, Table, type TableColumnsType, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role, User, UserInput } from '../../api/types';
import { BatchToolbar } from '../../components/batch-toolbar';
import { formatTime } from '../../format';
import { useCan, useConsole } from '../../session';
import { useAction, useLoad } from '../../use-load';

const roles: readonly Role[] = ['viewer', 'operator', 'super-admin', 'agent'];
/** What PATCH /users/:id takes; the username is fixed once created. */
const editable: readonly (keyof UserInput)[] = ['displayName', 'role', 'password', 'disabled'];

/** The given fields of a form's values, without the empty ones (an empty password is "unchanged"). */
function pick(values: UserInput, keys: readonly (keyof UserInput)[]): UserInput {
  return Object.fromEntries(keys.flatMap((k) => (values[k] === undefined || values[k] === '' ? [] : [[k, values[k]]])));
}

function UserModal(props: {
  editing: User | 'new' | undefined;
  onSave: (input: UserInput) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<UserInput>();
  const isNew = props.editing === 'new';
  return (
    <Modal
      open={props.editing !== undefined}
      destroyOnHidden
      title={isNew ? t('users.add') : t('common.edit')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      onCancel={props.onClose}
      onOk={() => form.submit()}
    >
      <Form<UserInput>
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={props.editing === 'new' || props.editing === undefined ? { role: 'viewer' } : props.editing}
        onFinish={(v) =>
          props.onSave(isNew ? pick(v, ['username', 'displayName', 'role', 'password']) : pick(v, editable))
        }
      >
        <Form.Item name="username" label={t('users.username')} rules={[{ required: isNew }]}>
          <Input disabled={!isNew} />
        </Form.Item>
        <Form.Item name="displayName" label={t('users.displayName')}>
          <Input />
        </Form.Item>
        <Form.Item name="role" label={t('users.role')}>
          <Select options={roles.map((r) => ({ value: r, label: t(`users.roles.${r}`) }))} />
        </Form.Item>
        <Form.Item
          name="password"
          label={t('users.password')}
          extra={isNew ? undefined : t('users.passwordHint')}
          rules={[
            { required: isNew, message: t('session.required', { field: t('users.password') }) },
            {
              validator: async (_, value: string | undefined) => {
                if (value === undefined || value === '') return;
                const problems = passwordRuleProblems(value, form.getFieldValue('username') as string | undefined);
                if (problems.length > 0) throw new Error(problems.join('; '));
              },
            },
          ]}
        >
          <Input.Password autoComplete="new-password" data-testid="user-password" />
        </Form.Item>
        {!isNew && (
          <Form.Item name="disabled" label={t('common.disabled')} valuePropName="checked">
            <Switch />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

function useColumns(write: boolean, onEdit: (u: User) => void): TableColumnsType<User> {
  const { t } = useTranslation();
  const columns: TableColumnsType<User> = [
    { title: t('users.username'), dataIndex: 'username' },
    { title: t('users.displayName'), dataIndex: 'displayName' },
    {
      title: t('users.role'),
      dataIndex: 'role',
      render: (r: Role) => <Tag>{t(`users.roles.${r}`)}</Tag>,
      filters: roles.map((r) => ({ text: t(`users.roles.${r}`), value: r })),
      onFilter: (value, u) => u.role === value,
    },
    {
      title: t('common.status'),
      dataIndex: 'disabled',
      render: (d: boolean) => (
        <Tag color={d ? 'default' : 'green'}>{d ? t('common.disabled') : t('common.enabled')}</Tag>
      ),
    },
    { title: t('users.lastSignIn'), dataIndex: 'lastSignInAt', render: (at?: string) => formatTime(at) },
    { title: t('users.createdAt'), dataIndex: 'createdAt', render: (at: string) => formatTime(at) },
  ];
  if (write) {
    columns.push({
      title: t('common.actions'),
      render: (_: unknown, u) => (
        <Button size="small" onClick={() => onEdit(u)} data-testid={`edit-user-${u.username}`}>
          {t('common.edit')}
        </Button>
      ),
    });
  }
  return columns;
}

export function UsersPage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const write = useCan()('users:write');
  const act = useAction();
  const { data, loading, reload } = useLoad(() => api.users(), [api]);
  const [editing, setEditing] = useState<User | 'new'>();
  const [selected, setSelected] = useState<readonly string[]>([]);
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const shown = (data?.items ?? []).filter(
    (u) => needle === '' || u.username.toLowerCase().includes(needle) || u.displayName.toLowerCase().includes(needle),
  );
  const save = async (input: UserInput) => {
    const target = editing;
    const ok = await act(() =>
      target === 'new' || target === undefined ? api.createUser(input) : api.updateUser(target.id, input),
    );
    if (ok) setEditing(undefined);
    await reload();
  };
  const batch = async (disabled: boolean) => {
    await act(() => Promise.all(selected.map((id) => api.updateUser(id, { disabled }))));
    setSelected([]);
    await reload();
  };
  return (
    <Card
      title={
        <Input.Search
          allowClear
          placeholder={t('users.search')}
          style={{ width: 260 }}
          onSearch={setSearch}
          onChange={(e) => setSearch(e.target.value)}
        />
      }
      extra={
        write && (
          <BatchToolbar
            selected={selected.length}
            onBatch={(disable) => void batch(disable)}
            addLabel={t('users.add')}
            onAdd={() => setEditing('new')}
            addTestId="add-user"
          />
        )
      }
    >
      <Table<User>
        rowKey="id"
        size="small"
        loading={loading}
        dataSource={shown}
        columns={useColumns(write, setEditing)}
        {...(write
          ? { rowSelection: { selectedRowKeys: [...selected], onChange: (keys) => setSelected(keys.map(String)) } }
          : {})}
        pagination={{ pageSize: 20, showTotal: (count) => t('common.total', { count }) }}
      />
      <UserModal editing={editing} onSave={(input) => void save(input)} onClose={() => setEditing(undefined)} />
    </Card>
  );
}
