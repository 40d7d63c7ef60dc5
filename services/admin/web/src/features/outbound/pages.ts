import { lazy } from 'react';
import type { ConsolePage } from '../../pages';

export const outboundPages: readonly ConsolePage[] = [
  {
    path: '/outbound/pushes',
    label: 'menu.pushes',
    permission: 'logs:read',
    component: lazy(() => import('./pushes.page').then((m) => ({ default: m.PushesPage }))),
  },
];
