import type { Router } from 'express';

/** One route a router serves. */
export interface RouteInfo {
  readonly method: string;
  readonly path: string;
}

interface LayerLike {
  readonly route?: { readonly path?: unknown; readonly methods?: Readonly<Record<string, boolean>> };
  readonly handle?: { readonly stack?: readonly LayerLike[] };
}

/**
 * The routes a router (and the routers mounted in it without a path) serves, read from the
 * router itself so the index page and the unknown-path answer never drift from the code.
 */
export function routesOf(router: Router): readonly RouteInfo[] {
  const found: RouteInfo[] = [];
  const walk = (stack: readonly LayerLike[]): void => {
    for (const layer of stack) {
      const path = layer.route?.path;
      if (typeof path === 'string') {
        const methods = Object.keys(layer.route?.methods ?? {}).filter((method) => method !== '_all');
        for (const method of methods) found.push({ method: method.toUpperCase(), path });
      } else if (layer.handle?.stack !== undefined) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((router as unknown as { stack: readonly LayerLike[] }).stack);
  return found;
}
