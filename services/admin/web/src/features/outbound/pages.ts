import { lazy } from 'react';
import type { ConsolePage } from '../../pages';

/** Issue 11's pages: every role that reads the logs sees them; writing needs `pushes:write`. */
export const outboundPages: readonly ConsolePage[] = [
  {
    path: '/outbound/pushes',
    label: 'menu.pushes',
    permission: 'logs:read',
    component: lazy(() => import('./pushes.page').then((m) => ({ default: m.PushesPage }))),
  },
  {
    path: '/outbound/templates',
    label: 'menu.templates',
    permission: 'logs:read',
    component: lazy(() => import('./templates.page').then((m) => ({ default: m.TemplatesPage }))),
  },
  {
    path: '/outbound/kefu',
    label: 'menu.kefu',
    permission: 'logs:read',
    component: lazy(() => import('./kefu.page').then((m) => ({ default: m.KefuPage }))),
  },
  {
    path: '/outbound/mass',
    label: 'menu.mass',
    permission: 'logs:read',
    component: lazy(() => import('./mass.page').then((m) => ({ default: m.MassPage }))),
  },
  {
    path: '/outbound/health',
    label: 'menu.outboundHealth',
    permission: 'logs:read',
    component: lazy(() => import('./health.page').then((m) => ({ default: m.HealthPage }))),
  },
];
