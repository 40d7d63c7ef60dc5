import { App as AntApp, ConfigProvider, Result, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCNLocale from 'antd/locale/zh_CN';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import type { AdminApi } from './api/client';
import type { AccountView, Permission, SessionView } from './api/types';
import { SignInPage } from './features/session/sign-in.page';
import { pages } from './pages';
import { type Console, ConsoleContext } from './session';
import { theme } from './theme';

// The layout and every page load on first visit: the sign-in page does not wait for the menu, ECharts or the tables.
const AppLayout = lazy(() => import('./layout/app-layout').then((m) => ({ default: m.AppLayout })));

interface SignedIn {
  readonly session: SessionView;
  readonly permissions: ReadonlySet<Permission>;
}

function useSignedIn(api: AdminApi) {
  const [state, setState] = useState<SignedIn | null | undefined>(undefined);
  const load = useCallback(
    async (session: SessionView) => {
      const { permissions } = await api.permissions();
      setState({ session, permissions: new Set(permissions) });
    },
    [api],
  );
  useEffect(() => {
    api
      .session()
      .then(load)
      .catch(() => setState(null));
  }, [api, load]);
  return { state, load, signedOut: () => setState(null) };
}

/** Every page of `pages` a role may open; the others are not routed at all (the menu does not show them either). */
function Pages({ permissions }: { permissions: ReadonlySet<Permission> }) {
  const allowed = pages.filter((page) => permissions.has(page.permission));
  return (
    <Suspense fallback={<Spin />}>
      <Routes>
        <Route element={<AppLayout />}>
          {allowed.map(({ path, component: Page }) =>
            path === '/' ? (
              <Route key={path} index element={<Page />} />
            ) : (
              <Route key={path} path={path.slice(1)} element={<Page />} />
            ),
          )}
          <Route path="*" element={<Result status="404" />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

function SignedInConsole({ api, signedIn, signedOut }: { api: AdminApi; signedIn: SignedIn; signedOut: () => void }) {
  const [accounts, setAccounts] = useState<readonly AccountView[]>([]);
  const [account, setAccount] = useState<string>();
  const mayReadAccounts = signedIn.permissions.has('accounts:read');
  const reloadAccounts = useCallback(async () => {
    if (mayReadAccounts) setAccounts((await api.accounts()).items);
  }, [api, mayReadAccounts]);
  useEffect(() => {
    reloadAccounts().catch(() => setAccounts([]));
  }, [reloadAccounts]);
  const value = useMemo<Console>(
    () => ({
      api,
      user: signedIn.session.user,
      permissions: signedIn.permissions,
      accounts,
      account,
      setAccount,
      reloadAccounts,
      signedOut,
    }),
    [api, signedIn, accounts, account, reloadAccounts, signedOut],
  );
  return (
    <ConsoleContext.Provider value={value}>
      <BrowserRouter basename="/admin">
        <Pages permissions={signedIn.permissions} />
      </BrowserRouter>
    </ConsoleContext.Provider>
  );
}

export function App({ api }: { api: AdminApi }) {
  const { i18n } = useTranslation();
  const { state, load, signedOut } = useSignedIn(api);
  let body: React.ReactNode;
  if (state === undefined) body = <Spin fullscreen />;
  else if (state === null) body = <SignInPage api={api} onSignedIn={(session) => void load(session)} />;
  else body = <SignedInConsole api={api} signedIn={state} signedOut={signedOut} />;
  return (
    <ConfigProvider theme={theme} locale={i18n.language === 'en' ? enUS : zhCNLocale}>
      <AntApp>{body}</AntApp>
    </ConfigProvider>
  );
}
