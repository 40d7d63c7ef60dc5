import { Button, Card, Form, Input, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Query } from '../../api/client';
import type { AuditRow } from '../../api/types';
import { LoadMore } from '../../components/load-more';
import { type Range, rangeQuery, TimeRange } from '../../components/time-range';
import { formatTime } from '../../format';
import { useConsole } from '../../session';
import { useCursorPages } from '../../use-pages';

interface Fields {
  readonly actor?: string;
  readonly action?: string;
  readonly target?: string;
  readonly range?: Range;
}

function Json({ value }: { value: unknown }) {
  return value === undefined ? null : (
    <Typography.Paragraph code style={{ whiteSpace: 'pre-wrap', margin: 0 }}>
      {JSON.stringify(value, null, 2)}
    </Typography.Paragraph>
  );
}

function queryOf({ range, actor, action, target }: Fields): Query {
  return {
    ...rangeQuery(range),
    ...(actor?.trim() ? { actor: actor.trim() } : {}),
    ...(action?.trim() ? { action: action.trim() } : {}),
    ...(target?.trim() ? { target: target.trim() } : {}),
  };
}

/** Every write and sign-in: who, when, what, from which IP, before/after (secrets masked by the server). */
export function AuditPage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const [query, setQuery] = useState<Query>({});
  const { rows, hasMore, loading, more } = useCursorPages((q) => api.audit({ ...q, limit: 100 }), query);
  return (
    <Card>
      <Form<Fields> layout="inline" style={{ marginBottom: 16, rowGap: 8 }} onFinish={(v) => setQuery(queryOf(v))}>
        <Form.Item name="actor" label={t('audit.actor')}>
          <Input allowClear style={{ width: 140 }} />
        </Form.Item>
        <Form.Item name="action" label={t('audit.action')} tooltip={t('audit.actionHint')}>
          <Input allowClear style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="target" label={t('audit.target')}>
          <Input allowClear style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="range" label={t('common.timeRange')}>
          <TimeRange />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('common.search')}
        </Button>
      </Form>
      <Table<AuditRow>
        rowKey="id"
        size="small"
        loading={loading}
        dataSource={[...rows]}
        expandable={{
          rowExpandable: (row) => row.before !== undefined || row.after !== undefined,
          expandedRowRender: (row) => (
            <>
              <Typography.Text strong>{t('audit.before')}</Typography.Text>
              <Json value={row.before} />
              <Typography.Text strong>{t('audit.after')}</Typography.Text>
              <Json value={row.after} />
            </>
          ),
        }}
        columns={[
          { title: t('common.time'), dataIndex: 'at', render: (at: number) => formatTime(at), width: 170 },
          { title: t('audit.actor'), dataIndex: 'actor' },
          { title: t('audit.ip'), dataIndex: 'ip' },
          { title: t('audit.action'), dataIndex: 'action' },
          { title: t('audit.target'), dataIndex: 'target' },
          {
            title: t('common.outcome'),
            dataIndex: 'outcome',
            render: (o: AuditRow['outcome']) => (
              <Tag color={o === 'denied' ? 'red' : 'green'}>{t(o === 'denied' ? 'common.denied' : 'common.ok')}</Tag>
            ),
          },
        ]}
        pagination={{ pageSize: 20, showSizeChanger: true, showTotal: (count) => t('common.total', { count }) }}
        footer={() => <LoadMore count={rows.length} hasMore={hasMore} loading={loading} onMore={() => void more()} />}
      />
    </Card>
  );
}
