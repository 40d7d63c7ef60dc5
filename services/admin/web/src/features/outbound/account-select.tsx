import { Select } from 'antd';
import { type ReactElement, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useConsole } from '../../session';
import { useLoad } from '../../use-load';

/**
 * The account an outbound page works on: the switcher's choice, else the first account; the
 * page's own select changes it for this page only.
 */
export function useOutboundAccount(): [string | undefined, ReactElement] {
  const { t } = useTranslation();
  const { accounts, account } = useConsole();
  const [chosen, setChosen] = useState<string>();
  const current = chosen ?? account ?? accounts[0]?.id;
  const select = (
    <Select
      data-testid="outbound-account"
      style={{ minWidth: 200 }}
      value={current}
      onChange={setChosen}
      placeholder={t('outbound.account')}
      options={accounts.map((a) => ({ value: a.id, label: `${a.name} (${a.id})` }))}
    />
  );
  return [current, select];
}

/** A duration in seconds as the console shows it: `1 h 5 min`, `3 min 20 s`, `12 s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

/** Loads `GET /outbound<path>?account=…` for the page's account (nothing while there is none). */
export function useAccountLoad<T>(account: string | undefined, path: string) {
  const { api } = useConsole();
  return useLoad(
    () =>
      account === undefined
        ? Promise.resolve(undefined)
        : api.outbound<T>('GET', `${path}?account=${encodeURIComponent(account)}`),
    [api, account, path],
  );
}
