import { Button, Card, Form, Input, Select, Space, Table, type TableColumnsType, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { MessageQuery } from '../../api/client';
import type { MessageRow } from '../../api/types';
import { LoadMore } from '../../components/load-more';
import { lastDays, type Range, rangeQuery, TimeRange } from '../../components/time-range';
import { formatTime } from '../../format';
import { useCan, useConsole } from '../../session';
import { useCursorPages } from '../../use-pages';
import { messageTypes } from './filters';

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
    { title: t('app.account'), dataIndex: 'account', width: 110 },
    {
      title: t('logs.openId'),
      dataIndex: 'openId',
      render: (openId: string, row) => (
        <Link to={`/logs/timeline?${new URLSearchParams({ account: row.account, openId }).toString()}`}>{openId}</Link>
      ),
    },
    {
      title: t('logs.type'),
      dataIndex: 'msgType',
      width: 120,
      render: (type: string, row) => <Tag>{row.event ?? type}</Tag>,
    },
    {
      title: t('logs.content'),
      dataIndex: 'content',
      ellipsis: true,
      render: (c: string | undefined, row) => c ?? row.eventKey,
    },
    { title: t('logs.outcome'), dataIndex: 'outcome', width: 160 },
    { title: t('logs.latency'), dataIndex: 'latencyMs', width: 100 },
  ];
}

function queryOf({ openId, type, text, range }: Fields): MessageQuery {
  return {
    ...rangeQuery(range),
    ...(openId?.trim() ? { openId: openId.trim() } : {}),
    ...(type ? { type } : {}),
    ...(text?.trim() ? { text: text.trim() } : {}),
  };
}

/** Messages and events searched by account (the switcher), openid, type, text and time; newest first; CSV. */
export function MessagesPage() {
  const { t, i18n } = useTranslation();
  const { api, account } = useConsole();
  const can = useCan();
  const [form] = Form.useForm<Fields>();
  const [query, setQuery] = useState<MessageQuery>(() => queryOf({ range: lastDays(7) }));
  const full: MessageQuery = { ...query, ...(account === undefined ? {} : { account }) };
  const { rows, hasMore, loading, more } = useCursorPages((q) => api.messages({ ...q, limit: 100 }), full);
  return (
    <Card>
      <Form<Fields>
        form={form}
        layout="inline"
        initialValues={{ range: lastDays(7) }}
        onFinish={(fields) => setQuery(queryOf(fields))}
        style={{ marginBottom: 16, rowGap: 8 }}
      >
        <Form.Item name="openId" label={t('logs.openId')}>
          <Input allowClear data-testid="filter-openid" style={{ width: 220 }} />
        </Form.Item>
        <Form.Item name="type" label={t('logs.type')}>
          <Select allowClear style={{ width: 130 }} options={messageTypes.map((v) => ({ value: v, label: v }))} />
        </Form.Item>
        <Form.Item name="text" label={t('logs.text')}>
          <Input allowClear data-testid="filter-text" style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="range" label={t('common.timeRange')}>
          <TimeRange />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit" data-testid="search">
            {t('common.search')}
          </Button>
          <Button onClick={() => form.resetFields()}>{t('common.reset')}</Button>
          {can('logs:export') && (
            <Button
              href={api.messagesCsvUrl({ ...full, lang: i18n.language === 'en' ? 'en' : 'zh-CN' })}
              data-testid="export-csv"
            >
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
        data-testid="messages-table"
        pagination={{ pageSize: 20, showSizeChanger: true, showTotal: (count) => t('common.total', { count }) }}
        footer={() => <LoadMore count={rows.length} hasMore={hasMore} loading={loading} onMore={() => void more()} />}
      />
    </Card>
  );
}
