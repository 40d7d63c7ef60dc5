import { createContext, useContext } from 'react';
import type { AdminApi } from './api/client';
import type { AccountView, Permission, User } from './api/types';

/** What every page reads: the API client, who is signed in, what they may do, the chosen account. */
export interface Console {
  readonly api: AdminApi;
  readonly user: User;
  readonly permissions: ReadonlySet<Permission>;
  readonly accounts: readonly AccountView[];
  /** The account switcher's choice; undefined means every account the user may see. */
  readonly account: string | undefined;
  readonly setAccount: (account: string | undefined) => void;
  readonly reloadAccounts: () => Promise<void>;
  readonly signedOut: () => void;
}

export const ConsoleContext = createContext<Console | undefined>(undefined);

export function useConsole(): Console {
  const value = useContext(ConsoleContext);
  if (value === undefined) throw new Error('useConsole outside ConsoleContext');
  return value;
}

/** Whether the signed-in role may do something; the UI hides what it may not. */
export function useCan(): (permission: Permission) => boolean {
  const { permissions } = useConsole();
  return (permission) => permissions.has(permission);
}
