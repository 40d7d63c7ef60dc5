import { lazy } from 'react';
import type { ConsolePage } from '../../pages';

const group = 'menu.logs';

export const logsPages: readonly ConsolePage[] = [
  {
    path: '/logs/messages',
    label: 'menu.messages',
    parent: group,
    permission: 'logs:read',
    component: lazy(() => import('./messages.page').then((m) => ({ default: m.MessagesPage }))),
  },
  {
    path: '/logs/timeline',
    label: 'menu.timeline',
    parent: group,
    permission: 'logs:read',
    component: lazy(() => import('./timeline.page').then((m) => ({ default: m.TimelinePage }))),
  },
  {
    path: '/logs/interface',
    label: 'menu.interface',
    parent: group,
    permission: 'logs:read',
    component: lazy(() => import('./interface.page').then((m) => ({ default: m.InterfacePage }))),
  },
  {
    path: '/logs/files',
    label: 'menu.files',
    parent: group,
    permission: 'logs:export',
    component: lazy(() => import('./files.page').then((m) => ({ default: m.FilesPage }))),
  },
];
