import { App, Button, Card, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText, formatTime } from '../../format';
import { useCan, useConsole } from '../../session';
import { useAccountLoad, useOutboundAccount } from './account-select';
import type { CatalogTemplate, TemplateList } from './outbound-types';

/** The account's template library as last synced from WeChat, with each template's fields; "sync now" fetches it again. */
export function TemplatesPage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const { message } = App.useApp();
  const writer = useCan()('pushes:write');
  const [account, accountSelect] = useOutboundAccount();
  const { data, loading, reload } = useAccountLoad<TemplateList>(account, '/templates');
  const [syncing, setSyncing] = useState(false);

  const sync = async () => {
    if (account === undefined) return;
    setSyncing(true);
    try {
      const list = await api.outbound<TemplateList>('POST', '/templates/sync', { account });
      void message.success(t('outbound.synced', { count: list.templates.length }));
      await reload();
    } catch (error) {
      void message.error(t('common.error', { message: errorText(error) }));
    } finally {
      setSyncing(false);
    }
  };

  return (
    <Card
      title={t('outbound.templates')}
      extra={
        <Space>
          {accountSelect}
          {writer ? (
            <Button type="primary" loading={syncing} onClick={sync} data-testid="templates-sync">
              {t('outbound.syncNow')}
            </Button>
          ) : null}
        </Space>
      }
    >
      <Typography.Paragraph type="secondary" data-testid="templates-synced-at">
        {data?.syncedAt === undefined
          ? t('outbound.neverSynced')
          : t('outbound.syncedAt', { time: formatTime(data.syncedAt), count: data.templates.length })}
      </Typography.Paragraph>
      <Table<CatalogTemplate>
        rowKey="templateId"
        size="small"
        loading={loading}
        dataSource={[...(data?.templates ?? [])]}
        expandable={{
          expandedRowRender: (template) => (
            <Space direction="vertical">
              <Typography.Text style={{ whiteSpace: 'pre-wrap' }}>{template.content}</Typography.Text>
              {template.example === '' ? null : (
                <Typography.Text type="secondary" style={{ whiteSpace: 'pre-wrap' }}>
                  {template.example}
                </Typography.Text>
              )}
            </Space>
          ),
        }}
        columns={[
          { title: t('outbound.templateTitle'), dataIndex: 'title' },
          {
            title: t('outbound.templateId'),
            dataIndex: 'templateId',
            render: (id: string) => <Typography.Text copyable>{id}</Typography.Text>,
          },
          {
            title: t('outbound.industry'),
            render: (_v, template) => `${template.primaryIndustry} / ${template.deputyIndustry}`,
          },
          {
            title: t('outbound.fields'),
            render: (_v, template) => (
              <Space size={[0, 4]} wrap data-testid={`template-fields-${template.templateId}`}>
                {template.fields.map((field) => (
                  <Tag key={field.key} title={field.label}>
                    {field.label === '' ? field.key : `${field.label} · ${field.key}`}
                  </Tag>
                ))}
              </Space>
            ),
          },
        ]}
      />
    </Card>
  );
}
