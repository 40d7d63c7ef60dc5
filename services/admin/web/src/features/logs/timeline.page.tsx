import { Card, Empty, Form, Input, Tag, Timeline, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { formatTime } from '../../format';
import { useConsole } from '../../session';
import { useLoad } from '../../use-load';

export function TimelinePage() {
  const { t } = useTranslation();
  const { api, account } = useConsole();
  const [params, setParams] = useSearchParams();
  const openId = params.get('openId') ?? '';
  const { data, loading } = useLoad(
    async () => (openId === '' ? undefined : api.timeline({ openId, account, limit: 500 })),
    [api, openId, account],
  );
  return (
    <Card loading={loading}>
      <Form
        layout="inline"
        initialValues={{ openId }}
        onFinish={(v: { openId: string }) => setParams({ openId: v.openId })}
      >
        <Form.Item
          name="openId"
          label={t('logs.openId')}
          rules={[{ required: true, message: t('logs.openIdRequired') }]}
        >
          <Input.Search
            enterButton={t('common.search')}
            style={{ width: 420 }}
            onSearch={(v) => setParams({ openId: v })}
          />
        </Form.Item>
      </Form>
      {openId !== '' && <Typography.Title level={5}>{t('logs.timelineOf', { openId })}</Typography.Title>}
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
