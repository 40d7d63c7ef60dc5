import { Button, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';

/** The table footer of a keyset-paged search: how many rows are loaded, and the next page's button. */
export function LoadMore(props: { count: number; hasMore: boolean; loading: boolean; onMore: () => void }) {
  const { t } = useTranslation();
  return (
    <Space>
      <Typography.Text type="secondary">{t('common.loaded', { count: props.count })}</Typography.Text>
      <Button disabled={!props.hasMore} loading={props.loading} onClick={props.onMore} data-testid="load-more">
        {props.hasMore ? t('common.loadMore') : t('common.noMore')}
      </Button>
    </Space>
  );
}
