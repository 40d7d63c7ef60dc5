import { App as AntApp, ConfigProvider, Result, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCNLocale from 'antd/locale/zh_CN';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import type { AdminApi } from './api/client';
import type { AccountView, Permission, SessionView } from './api/types';
import { AccountsPage } from './features/accounts/accounts.page';
import { AuditPage } from './features/audit/audit.page';
import { DashboardPage } from './features/dashboard/dashboard.page';
import { FilesPage } from './features/logs/files.page';
import { InterfacePage } from './features/logs/interface.page';
import { MessagesPage } from './features/logs/messages.page';
import { TimelinePage } from './features/logs/timeline.page';
import { SignInPage } from './features/session/sign-in.page';
import { UsersPage } from './features/users/users.page';
import { AppLayout } from './layout/app-layout';
import { type Console, ConsoleContext } from './session';
import { theme } from './theme';

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

function Pages() {
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route index element={<DashboardPage />} />
        <Route path="logs/messages" element={<MessagesPage />} />
        <Route path="logs/timeline" element={<TimelinePage />} />
        <Route path="logs/interface" element={<InterfacePage />} />
        <Route path="logs/files" element={<FilesPage />} />
        <Route path="accounts" element={<AccountsPage />} />
        <Route path="users" element={<UsersPage />} />
        <Route path="audit" element={<AuditPage />} />
        <Route path="*" element={<Result status="404" />} />
      </Route>
    </Routes>
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
        <Pages />
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
