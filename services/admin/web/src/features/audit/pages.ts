import { lazy } from 'react';
import type { ConsolePage } from '../../pages';

export const auditPages: readonly ConsolePage[] = [
  {
    path: '/audit',
    label: 'menu.audit',
    permission: 'audit:read',
    component: lazy(() => import('./audit.page').then((m) => ({ default: m.AuditPage }))),
  },
];
