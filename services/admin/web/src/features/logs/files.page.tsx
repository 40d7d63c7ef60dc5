import { Button, Card, Table } from 'antd';
import { useTranslation } from 'react-i18next';
import type { LogFile } from '../../api/types';
import { useConsole } from '../../session';
import { useLoad } from '../../use-load';

export function FilesPage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const { data, loading } = useLoad(async () => (await api.logFiles()).items, [api]);
  return (
    <Card>
      <Table<LogFile>
        rowKey="name"
        size="small"
        loading={loading}
        dataSource={[...(data ?? [])]}
        columns={[
          { title: t('logs.fileName'), dataIndex: 'name' },
          { title: t('logs.month'), dataIndex: 'month' },
          { title: t('logs.bytes'), dataIndex: 'bytes', render: (bytes: number) => bytes.toLocaleString() },
          {
            title: t('logs.gzipped'),
            dataIndex: 'gzipped',
            render: (gzipped: boolean) => (gzipped ? t('common.yes') : t('common.no')),
          },
          {
            title: t('common.actions'),
            render: (_: unknown, file) => (
              <Button type="link" href={api.logFileUrl(file.name)}>
                {t('common.download')}
              </Button>
            ),
          },
        ]}
      />
    </Card>
  );
}
