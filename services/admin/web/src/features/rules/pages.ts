import { lazy } from 'react';
import type { ConsolePage } from '../../pages';

export const rulesPages: readonly ConsolePage[] = [
  {
    path: '/rules',
    label: 'menu.rules',
    permission: 'accounts:read',
    component: lazy(() => import('./rules.page').then((m) => ({ default: m.RulesPage }))),
  },
];
