import { Alert, Button, Card, Flex, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminApi, ApiError } from '../../api/client';
import type { SessionView } from '../../api/types';
import { LanguageSwitch } from '../../layout/language-switch';

interface Props {
  readonly api: AdminApi;
  readonly onSignedIn: (session: SessionView) => void;
}

interface Fields {
  readonly username: string;
  readonly password: string;
}

export function SignInPage({ api, onSignedIn }: Props) {
  const { t } = useTranslation();
  // Kept as a key and its values, so switching the language re-translates a shown error too.
  const [error, setError] = useState<Problem>();
  const [busy, setBusy] = useState(false);

  const submit = async ({ username, password }: Fields) => {
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await api.signIn(username, password));
    } catch (caught) {
      setError(signInError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Flex align="center" justify="center" style={{ minHeight: '100vh', background: '#f5f6f8' }}>
      <Card title={t('app.title')} extra={<LanguageSwitch />} style={{ width: 380 }}>
        <Typography.Title level={4}>{t('session.title')}</Typography.Title>
        {error !== undefined && (
          <Alert type="error" showIcon title={t(error.key, error.values)} data-testid="sign-in-error" />
        )}
        <Form<Fields> layout="vertical" onFinish={(values) => void submit(values)} style={{ marginTop: 16 }}>
          <Form.Item
            name="username"
            label={t('session.username')}
            rules={[{ required: true, message: t('session.required', { field: t('session.username') }) }]}
          >
            <Input autoComplete="username" />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('session.password')}
            rules={[{ required: true, message: t('session.required', { field: t('session.password') }) }]}
          >
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('session.submit')}
          </Button>
        </Form>
      </Card>
    </Flex>
  );
}

interface Problem {
  readonly key: string;
  readonly values: Record<string, string | number>;
}

function signInError(caught: unknown): Problem {
  if (caught instanceof ApiError) {
    if (caught.code === 'locked') return { key: 'session.locked', values: { seconds: caught.retryAfterSeconds ?? 60 } };
    if (caught.status === 401 || caught.code === 'unauthenticated') return { key: 'session.invalid', values: {} };
  }
  return { key: 'session.failed', values: { message: caught instanceof Error ? caught.message : String(caught) } };
}
