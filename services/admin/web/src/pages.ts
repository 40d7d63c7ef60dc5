import type { ComponentType, LazyExoticComponent } from 'react';
import type { Permission } from './api/types';
import { accountsPages } from './features/accounts/pages';
import { auditPages } from './features/audit/pages';
import { dashboardPages } from './features/dashboard/pages';
import { logsPages } from './features/logs/pages';
import { outboundPages } from './features/outbound/pages';
import { rulesPages } from './features/rules/pages';
import { usersPages } from './features/users/pages';

/**
 * One page of the console: its route under /admin, its menu entry (an i18n key, and the group it
 * sits in), the permission that shows it, and its component, loaded on first visit. A feature
 * folder exports its pages from its `pages.ts`; adding a feature is one import and one spread
 * below (docs/architecture.md, "The console").
 */
export interface ConsolePage {
  /** The route, '/' for the dashboard; a `:param` route stays out of the menu with `hidden`. */
  readonly path: string;
  /** The menu entry and breadcrumb: an i18n key. */
  readonly label: string;
  /** The menu group (an i18n key), if any. */
  readonly parent?: string;
  /** The role permission that shows the page; a role without it sees neither the entry nor the page. */
  readonly permission: Permission;
  readonly component: LazyExoticComponent<ComponentType>;
  /** Routed, but not in the menu (a detail page reached from another). */
  readonly hidden?: boolean;
}

/** The console's pages in menu order. */
export const pages: readonly ConsolePage[] = [
  ...dashboardPages,
  ...logsPages,
  ...rulesPages,
  ...outboundPages,
  ...accountsPages,
  ...usersPages,
  ...auditPages,
];
