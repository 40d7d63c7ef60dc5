import { Button, Space } from 'antd';
import { useTranslation } from 'react-i18next';

export interface BatchToolbarProps {
  /** How many rows are selected: the batch buttons work on them. */
  readonly selected: number;
  /** Disables (`true`) or enables (`false`) the selected rows. */
  readonly onBatch: (disable: boolean) => void;
  readonly addLabel: string;
  readonly onAdd: () => void;
  readonly addTestId: string;
}

/** A list page's write toolbar (accounts, users): the selection count, batch disable / enable, and add. */
export function BatchToolbar({ selected, onBatch, addLabel, onAdd, addTestId }: BatchToolbarProps) {
  const { t } = useTranslation();
  return (
    <Space>
      {selected > 0 && <span>{t('common.selected', { count: selected })}</span>}
      <Button disabled={selected === 0} onClick={() => onBatch(true)}>
        {t('common.batchDisable')}
      </Button>
      <Button disabled={selected === 0} onClick={() => onBatch(false)}>
        {t('common.batchEnable')}
      </Button>
      <Button type="primary" onClick={onAdd} data-testid={addTestId}>
        {addLabel}
      </Button>
    </Space>
  );
}
