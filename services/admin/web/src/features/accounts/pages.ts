import { lazy } from 'react';
import type { ConsolePage } from '../../pages';

export const accountsPages: readonly ConsolePage[] = [
  {
    path: '/accounts',
    label: 'menu.accounts',
    permission: 'accounts:read',
    component: lazy(() => import('./accounts.page').then((m) => ({ default: m.AccountsPage }))),
  },
];
