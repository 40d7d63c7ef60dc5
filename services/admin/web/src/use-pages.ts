import { App } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Page } from './api/types';
import { errorText } from './format';
import { useLoad } from './use-load';

/**
 * A search-over-table page's rows: the first page of `load` whenever `query` changes (compared by
 * value), further pages appended by `more` with the API's keyset cursor.
 */
export function useCursorPages<T, Q extends object>(
  load: (query: Q & { cursor?: string }) => Promise<Page<T>>,
  query: Q,
) {
  const { message } = App.useApp();
  const { t } = useTranslation();
  const [rows, setRows] = useState<readonly T[]>([]);
  const [next, setNext] = useState<string>();
  const [busy, setBusy] = useState(false);
  const { loading, reload } = useLoad(async () => {
    const page = await load(query);
    setRows(page.items);
    setNext(page.nextCursor);
  }, [JSON.stringify(query)]);
  const more = async () => {
    if (next === undefined) return;
    setBusy(true);
    try {
      const page = await load({ ...query, cursor: next });
      setRows((shown) => [...shown, ...page.items]);
      setNext(page.nextCursor);
    } catch (error) {
      void message.error(t('common.error', { message: errorText(error) }));
    } finally {
      setBusy(false);
    }
  };
  return { rows, hasMore: next !== undefined, loading: loading || busy, more, reload };
}
