import { Button, Card, Form, Input, InputNumber, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Query } from '../../api/client';
import type { InterfaceRow } from '../../api/types';
import { LoadMore } from '../../components/load-more';
import { lastDays, type Range, rangeQuery, TimeRange } from '../../components/time-range';
import { formatTime } from '../../format';
import { useConsole } from '../../session';
import { useCursorPages } from '../../use-pages';

interface Fields {
  readonly api?: string;
  readonly errcode?: number | null;
  readonly range?: Range;
}

function queryOf(v: Fields): Query {
  return {
    ...rangeQuery(v.range),
    ...(v.api?.trim() ? { api: v.api.trim() } : {}),
    ...(v.errcode === undefined || v.errcode === null ? {} : { errcode: v.errcode }),
  };
}

/** The WeChat API calls the platform made (interface log), by API, errcode and time. */
export function InterfacePage() {
  const { t } = useTranslation();
  const { api, account } = useConsole();
  const [query, setQuery] = useState<Query>(() => queryOf({ range: lastDays(7) }));
  const full = { ...query, ...(account === undefined ? {} : { account }) };
  const { rows, hasMore, loading, more } = useCursorPages((q) => api.interfaceLogs({ ...q, limit: 100 }), full);
  return (
    <Card>
      <Form<Fields>
        layout="inline"
        style={{ marginBottom: 16, rowGap: 8 }}
        initialValues={{ range: lastDays(7) }}
        onFinish={(v) => setQuery(queryOf(v))}
      >
        <Form.Item name="api" label={t('logs.api')}>
          <Input allowClear placeholder="/cgi-bin/message/custom/send" style={{ width: 260 }} />
        </Form.Item>
        <Form.Item name="errcode" label={t('logs.errcode')}>
          <InputNumber />
        </Form.Item>
        <Form.Item name="range" label={t('common.timeRange')}>
          <TimeRange />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('common.search')}
        </Button>
      </Form>
      <Table<InterfaceRow>
        rowKey="id"
        size="small"
        loading={loading}
        dataSource={[...rows]}
        pagination={{ pageSize: 20, showSizeChanger: true, showTotal: (count) => t('common.total', { count }) }}
        footer={() => <LoadMore count={rows.length} hasMore={hasMore} loading={loading} onMore={() => void more()} />}
        columns={[
          { title: t('common.time'), dataIndex: 'at', render: (at: number) => formatTime(at), width: 170 },
          { title: t('app.account'), dataIndex: 'account' },
          { title: t('logs.api'), dataIndex: 'api' },
          {
            title: t('logs.errcode'),
            dataIndex: 'errcode',
            render: (code: number) => <Tag color={code === 0 ? 'green' : 'red'}>{code}</Tag>,
          },
          { title: t('logs.latency'), dataIndex: 'latencyMs' },
        ]}
      />
    </Card>
  );
}
