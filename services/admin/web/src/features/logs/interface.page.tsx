import { Button, Card, Form, Input, InputNumber, Table } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Query } from '../../api/client';
import type { InterfaceRow } from '../../api/types';
import { formatTime } from '../../format';
import { useConsole } from '../../session';
import { useLoad } from '../../use-load';
import { type Range, rangeQuery, TimeRange } from './filters';

export function InterfacePage() {
  const { t } = useTranslation();
  const { api, account } = useConsole();
  const [query, setQuery] = useState<Query>({});
  const { data, loading } = useLoad(() => api.interfaceLogs({ ...query, account, limit: 200 }), [api, query, account]);
  return (
    <Card>
      <Form
        layout="inline"
        style={{ marginBottom: 16 }}
        onFinish={(v: { api?: string; errcode?: number; range?: Range }) =>
          setQuery({ api: v.api, errcode: v.errcode, ...rangeQuery(v.range) })
        }
      >
        <Form.Item name="api" label={t('logs.api')}>
          <Input allowClear />
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
        dataSource={[...(data?.items ?? [])]}
        columns={[
          { title: t('common.time'), dataIndex: 'at', render: (at: number) => formatTime(at) },
          { title: t('app.account'), dataIndex: 'account' },
          { title: t('logs.api'), dataIndex: 'api' },
          { title: t('logs.errcode'), dataIndex: 'errcode' },
          { title: t('logs.latency'), dataIndex: 'latencyMs' },
        ]}
      />
    </Card>
  );
}
