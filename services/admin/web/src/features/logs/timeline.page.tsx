import { Alert, Card, Empty, Form, Input, Select, Tag, Timeline, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { formatTime } from '../../format';
import { useConsole } from '../../session';
import { useLoad } from '../../use-load';

interface Fields {
  readonly account?: string;
  readonly openId: string;
}

/** One user's messages and events, oldest first (the log service's timeline is per account and openid). */
export function TimelinePage() {
  const { t } = useTranslation();
  const { api, account: chosen, accounts } = useConsole();
  const [params, setParams] = useSearchParams();
  const [form] = Form.useForm<Fields>();
  const openId = params.get('openId') ?? '';
  const account = params.get('account') ?? chosen ?? '';
  const { data, loading } = useLoad(
    async () => (openId === '' || account === '' ? undefined : api.timeline({ openId, account, limit: 500 })),
    [api, openId, account],
  );
  const search = (v: Fields) => setParams({ account: v.account ?? account, openId: v.openId.trim() });
  return (
    <Card loading={loading}>
      <Form<Fields>
        form={form}
        layout="inline"
        initialValues={{ openId, account }}
        onFinish={search}
        style={{ rowGap: 8 }}
      >
        <Form.Item
          name="account"
          label={t('app.account')}
          rules={[{ required: true, message: t('logs.accountRequired') }]}
        >
          {accounts.length === 0 ? (
            <Input style={{ width: 160 }} />
          ) : (
            <Select
              style={{ width: 220 }}
              options={accounts.map((a) => ({ value: a.id, label: `${a.name} (${a.id})` }))}
            />
          )}
        </Form.Item>
        <Form.Item
          name="openId"
          label={t('logs.openId')}
          rules={[{ required: true, message: t('logs.openIdRequired') }]}
        >
          <Input.Search
            enterButton={t('common.search')}
            style={{ width: 420 }}
            onSearch={() => form.submit()}
            data-testid="timeline-openid"
          />
        </Form.Item>
      </Form>
      {openId !== '' && account === '' && <Alert type="info" showIcon title={t('logs.accountRequired')} />}
      {openId !== '' && account !== '' && (
        <Typography.Title level={5} style={{ marginTop: 16 }}>
          {t('logs.timelineOf', { openId })}
        </Typography.Title>
      )}
      {data === undefined || data.items.length === 0 ? (
        <Empty />
      ) : (
        <Timeline
          data-testid="timeline"
          items={data.items.map((row) => ({
            key: row.id,
            color: row.outcome === 'failed' ? 'red' : 'green',
            content: (
              <span>
                {formatTime(row.at)} <Tag>{row.event ?? row.msgType}</Tag> {row.content ?? row.eventKey ?? ''}{' '}
                <Typography.Text type="secondary">
                  {row.outcome} · {row.latencyMs} ms
                </Typography.Text>
              </span>
            ),
          }))}
        />
      )}
    </Card>
  );
}
