import { lazy } from 'react';
import type { ConsolePage } from '../../pages';

export const dashboardPages: readonly ConsolePage[] = [
  {
    path: '/',
    label: 'menu.dashboard',
    permission: 'dashboard:read',
    component: lazy(() => import('./dashboard.page').then((m) => ({ default: m.DashboardPage }))),
  },
];
