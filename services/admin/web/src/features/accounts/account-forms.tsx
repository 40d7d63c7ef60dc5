import { Alert, Button, Form, Input, Modal, Select, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import type { AccountInput, AccountView } from '../../api/types';

// The server's rules (services/admin/src/api-types.ts), checked as the operator types.
const aesKeyPattern = /^[A-Za-z0-9+/]{43}$/;
const idPattern = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const appIdPattern = /^wx[0-9a-fA-F]{16}$/;
const tokenPattern = /^[A-Za-z0-9]{3,32}$/;
/** What PATCH /accounts/:id takes from the form (the id and the AES key do not change there). */
const editable = ['name', 'appId', 'mode', 'token', 'appSecret'] as const;

/** A fresh 43-character EncodingAESKey from the browser's CSPRNG. */
export function randomAesKey(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(43));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function dropEmpty(values: Record<string, string | undefined>, keys?: readonly string[]): AccountInput {
  return Object.fromEntries(
    Object.entries(values).filter(([k, v]) => v !== undefined && v !== '' && (keys === undefined || keys.includes(k))),
  ) as AccountInput;
}

export function AccountModal(props: {
  readonly editing: AccountView | 'new' | undefined;
  readonly onSave: (input: AccountInput) => Promise<boolean>;
  readonly onClose: () => void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm();
  const isNew = props.editing === 'new';
  const initial = props.editing === 'new' || props.editing === undefined ? { mode: 'safe' } : props.editing;
  const aesRule = { pattern: aesKeyPattern, message: t('accounts.aesKeyInvalid') };
  return (
    <Modal
      open={props.editing !== undefined}
      destroyOnHidden
      title={isNew ? t('accounts.add') : t('common.edit')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      onCancel={props.onClose}
      onOk={() => form.submit()}
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={initial}
        onFinish={(values: Record<string, string | undefined>) =>
          void props.onSave(isNew ? dropEmpty(values) : dropEmpty(values, editable))
        }
      >
        <Form.Item
          name="id"
          label={t('accounts.id')}
          extra={isNew ? t('accounts.idHint') : undefined}
          rules={[{ required: isNew, pattern: idPattern, message: t('accounts.idInvalid') }]}
        >
          <Input disabled={!isNew} data-testid="account-id" />
        </Form.Item>
        <Form.Item
          name="appId"
          label={t('accounts.appId')}
          rules={[{ required: isNew, pattern: appIdPattern, message: t('accounts.appIdInvalid') }]}
        >
          <Input />
        </Form.Item>
        <Form.Item name="name" label={t('accounts.name')} rules={[{ required: isNew }]}>
          <Input />
        </Form.Item>
        <Form.Item name="mode" label={t('accounts.mode')}>
          <Select
            options={(['plain', 'compatible', 'safe'] as const).map((m) => ({
              value: m,
              label: t(`accounts.modes.${m}`),
            }))}
          />
        </Form.Item>
        <Alert type="info" showIcon title={t('accounts.secretHint')} style={{ marginBottom: 16 }} />
        <Form.Item
          name="token"
          label={t('accounts.token')}
          rules={[{ required: isNew, pattern: tokenPattern, message: t('accounts.tokenInvalid') }]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        {isNew && (
          <Form.Item name="encodingAesKey" label={t('accounts.aesKey')} rules={[aesRule]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        )}
        <Form.Item name="appSecret" label={t('accounts.appSecret')}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function RotateModal(props: {
  readonly account: AccountView | undefined;
  readonly onRotate: (key: string) => Promise<boolean>;
  readonly onClose: () => void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ key: string }>();
  return (
    <Modal
      open={props.account !== undefined}
      destroyOnHidden
      title={`${t('accounts.rotate')} · ${props.account?.name ?? ''}`}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      onCancel={props.onClose}
      onOk={() => form.submit()}
    >
      <Alert type="warning" showIcon title={t('accounts.rotateHint')} style={{ marginBottom: 16 }} />
      <Form form={form} layout="vertical" preserve={false} onFinish={(v) => void props.onRotate(v.key)}>
        <Space.Compact style={{ width: '100%' }}>
          <Form.Item
            name="key"
            label={t('accounts.newAesKey')}
            rules={[{ required: true, pattern: aesKeyPattern, message: t('accounts.aesKeyInvalid') }]}
            style={{ flex: 1 }}
          >
            <Input data-testid="new-aes-key" />
          </Form.Item>
        </Space.Compact>
        <Button onClick={() => form.setFieldsValue({ key: randomAesKey() })}>{t('accounts.generate')}</Button>
      </Form>
    </Modal>
  );
}
