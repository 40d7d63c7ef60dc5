import { App } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from './format';

/** A number that changes whenever one of `inputs` changes (Object.is), for effect dependencies. */
function useVersion(inputs: readonly unknown[]): number {
  const previous = useRef(inputs);
  const version = useRef(0);
  const changed =
    inputs.length !== previous.current.length || inputs.some((v, i) => !Object.is(v, previous.current[i]));
  if (changed) {
    previous.current = inputs;
    version.current += 1;
  }
  return version.current;
}

/** Loads with `load` when its inputs change (and on `reload`); failures show as a message, not a crash. */
export function useLoad<T>(load: () => Promise<T>, inputs: readonly unknown[]) {
  const { message } = App.useApp();
  const { t } = useTranslation();
  const [data, setData] = useState<T>();
  const [loading, setLoading] = useState(false);
  const latest = useRef(load);
  latest.current = load;
  const version = useVersion(inputs);
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      setData(await latest.current());
    } catch (error) {
      void message.error(t('common.error', { message: errorText(error) }));
    } finally {
      setLoading(false);
    }
  }, [message, t]);
  useEffect(() => {
    if (version >= 0) void reload();
  }, [reload, version]);
  return { data, loading, reload };
}

/** Runs a write and reports it: saved, or the API's message (403 shows "not allowed"). */
export function useAction() {
  const { message } = App.useApp();
  const { t } = useTranslation();
  return async (action: () => Promise<unknown>): Promise<boolean> => {
    try {
      await action();
      void message.success(t('common.saved'));
      return true;
    } catch (error) {
      void message.error(t('common.error', { message: errorText(error) }));
      return false;
    }
  };
}
