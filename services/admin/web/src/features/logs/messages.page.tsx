import { Button, Card, Form, Input, Select, Space, Table, type TableColumnsType, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { MessageQuery } from '../../api/client';
import type { MessageRow } from '../../api/types';
import { formatTime } from '../../format';
import { useCan, useConsole } from '../../session';
import { useLoad } from '../../use-load';
import { messageTypes, type Range, rangeQuery, TimeRange } from './filters';

interface Fields {
  readonly openId?: string;
  readonly type?: string;
  readonly text?: string;
  readonly range?: Range;
}

export function useMessageColumns(): TableColumnsType<MessageRow> {
  const { t } = useTranslation();
  return [
    { title: t('common.time'), dataIndex: 'at', render: (at: number) => formatTime(at), width: 170 },
    {
      title: t('logs.openId'),
      dataIndex: 'openId',
      render: (openId: string, row) => (
        <Link to={`/logs/timeline?${new URLSearchParams({ account: row.account, openId }).toString()}`}>{openId}</Link>
      ),
    },
    { title: t('logs.type'), dataIndex: 'msgType', render: (type: string, row) => <Tag>{row.event ?? type}</Tag> },
    {
      title: t('logs.content'),
      dataIndex: 'content',
      ellipsis: true,
      render: (c?: string, row?: MessageRow) => c ?? row?.eventKey,
    },
    { title: t('logs.outcome'), dataIndex: 'outcome' },
    { title: t('logs.latency'), dataIndex: 'latencyMs', width: 110 },
  ];
}

export function MessagesPage() {
  const { t } = useTranslation();
  const { api, account } = useConsole();
  const can = useCan();
  const [query, setQuery] = useState<MessageQuery>({});
  const [rows, setRows] = useState<readonly MessageRow[]>([]);
  const [next, setNext] = useState<string>();
  const full: MessageQuery = { ...query, ...(account === undefined ? {} : { account }), limit: 100 };
  const { loading } = useLoad(async () => {
    const page = await api.messages(full);
    setRows(page.items);
    setNext(page.nextCursor);
  }, [api, JSON.stringify(full)]);
  const more = async () => {
    if (next === undefined) return;
    const page = await api.messages({ ...full, cursor: next });
    setRows([...rows, ...page.items]);
    setNext(page.nextCursor);
  };
  const search = ({ openId, type, text, range }: Fields) =>
    setQuery({
      ...rangeQuery(range),
      ...(openId ? { openId } : {}),
      ...(type ? { type } : {}),
      ...(text ? { text } : {}),
    });

  return (
    <Card>
      <Form<Fields> layout="inline" onFinish={search} style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item name="openId" label={t('logs.openId')}>
          <Input allowClear data-testid="filter-openid" />
        </Form.Item>
        <Form.Item name="type" label={t('logs.type')}>
          <Select allowClear style={{ width: 140 }} options={messageTypes.map((v) => ({ value: v, label: v }))} />
        </Form.Item>
        <Form.Item name="text" label={t('logs.text')}>
          <Input allowClear />
        </Form.Item>
        <Form.Item name="range" label={t('common.timeRange')}>
          <TimeRange />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit" data-testid="search">
            {t('common.search')}
          </Button>
          {can('logs:export') && (
            <Button href={api.messagesCsvUrl(full)} data-testid="export-csv">
              {t('common.exportCsv')}
            </Button>
          )}
        </Space>
      </Form>
      <Table<MessageRow>
        rowKey="id"
        size="small"
        loading={loading}
        columns={useMessageColumns()}
        dataSource={[...rows]}
        pagination={{ pageSize: 20, showTotal: (count) => t('common.total', { count }) }}
        footer={() => (
          <Button disabled={next === undefined} onClick={() => void more()}>
            {t('common.loadMore')}
          </Button>
        )}
      />
    </Card>
  );
}
