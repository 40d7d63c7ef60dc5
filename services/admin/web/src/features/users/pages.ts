import { lazy } from 'react';
import type { ConsolePage } from '../../pages';

export const usersPages: readonly ConsolePage[] = [
  {
    path: '/users',
    label: 'menu.users',
    permission: 'users:read',
    component: lazy(() => import('./users.page').then((m) => ({ default: m.UsersPage }))),
  },
];
