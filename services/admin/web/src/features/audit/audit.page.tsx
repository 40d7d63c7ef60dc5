import { Button, Card, Form, Input, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Query } from '../../api/client';
import type { AuditRow } from '../../api/types';
import { formatTime } from '../../format';
import { useConsole } from '../../session';
import { useLoad } from '../../use-load';
import { type Range, rangeQuery, TimeRange } from '../logs/filters';

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

export function AuditPage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const [query, setQuery] = useState<Query>({});
  const { data, loading } = useLoad(() => api.audit({ ...query, limit: 200 }), [api, query]);
  return (
    <Card>
      <Form<Fields>
        layout="inline"
        style={{ marginBottom: 16 }}
        onFinish={({ range, ...rest }) => setQuery({ ...rest, ...rangeQuery(range) })}
      >
        <Form.Item name="actor" label={t('audit.actor')}>
          <Input allowClear />
        </Form.Item>
        <Form.Item name="action" label={t('audit.action')}>
          <Input allowClear />
        </Form.Item>
        <Form.Item name="target" label={t('audit.target')}>
          <Input allowClear />
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
        dataSource={[...(data?.items ?? [])]}
        expandable={{
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
          { title: t('common.time'), dataIndex: 'at', render: (at: number) => formatTime(at) },
          { title: t('audit.actor'), dataIndex: 'actor' },
          { title: t('audit.ip'), dataIndex: 'ip' },
          { title: t('audit.action'), dataIndex: 'action' },
          { title: t('audit.target'), dataIndex: 'target' },
        ]}
        pagination={{ pageSize: 20, showTotal: (count) => t('common.total', { count }) }}
      />
    </Card>
  );
}
