import { type Request, type Response, Router } from 'express';
import { jsonBody, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import type { SimAccount, SimLimits } from '../types.js';
import type { AudienceStore } from '../user/audience-store.js';
import {
  maxFollowersToDeleteTag,
  maxOpenidsPerTagging,
  maxTagNameBytes,
  maxTags,
  maxTagsPerUser,
  systemTagIds,
  type Tag,
  type TagStore,
} from './tag-store.js';

export interface TagsRouterDeps {
  readonly authorize: Authorize;
  readonly audience: AudienceStore;
  readonly tags: TagStore;
  readonly limits: () => SimLimits;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `{ tag: { … } }` of create / update / delete; a body without it is 44002 (deleteTag notes). */
function tagField(body: Record<string, unknown>): Record<string, unknown> {
  if (!isRecord(body.tag)) throw new WxApiError(44002);
  return body.tag;
}

/** A name: non-empty, ≤ 30 bytes (45158), unique in the account (45157). */
function checkName(tags: TagStore, appId: string, name: unknown, exceptId?: number): string {
  if (typeof name !== 'string' || name.trim() === '') throw new WxApiError(45157);
  if (Buffer.byteLength(name) > maxTagNameBytes) throw new WxApiError(45158);
  if (tags.list(appId).some((tag) => tag.name === name && tag.id !== exceptId)) throw new WxApiError(45157);
  return name;
}

/** A tag the account may change: 45058 for the system's, 45159 for an unknown id. */
function changeableTag(tags: TagStore, appId: string, id: unknown): Tag {
  if (typeof id === 'number' && systemTagIds.has(id)) throw new WxApiError(45058);
  const tag = tags.get(appId, id);
  if (tag === undefined) throw new WxApiError(45159);
  return tag;
}

/** Followers among `members`: tags stay on users who unfollow, but only followers are listed and counted. */
function followingMembers(deps: TagsRouterDeps, appId: string, id: number): readonly string[] {
  return deps.tags.members(appId, id).filter((openid) => deps.audience.get(appId, openid)?.isSubscribed === true);
}

/**
 * The openids and tag of a batch (un)tagging: 1–50 openids (40032), each a follower of the
 * account (40003), an existing tag (45159). Checked whole before anything changes.
 */
function batchOf(
  deps: TagsRouterDeps,
  account: SimAccount,
  body: Record<string, unknown>,
): { openids: string[]; tag: Tag } {
  const list = body.openid_list;
  if (!Array.isArray(list) || list.length === 0 || list.length > maxOpenidsPerTagging) throw new WxApiError(40032);
  const openids = list.map((openid) => {
    if (typeof openid !== 'string' || deps.audience.get(account.appId, openid)?.isSubscribed !== true) {
      throw new WxApiError(40003);
    }
    return openid;
  });
  const tag = deps.tags.get(account.appId, body.tagid);
  if (tag === undefined) throw new WxApiError(45159);
  return { openids, tag };
}

/** `tags/create|get|update|delete` (createTag … deleteTag in api.json). */
function addTagRoutes(router: Router, deps: TagsRouterDeps): void {
  const { authorize, tags } = deps;
  router.post('/cgi-bin/tags/create', (req: Request, res: Response) => {
    const account = authorize(req);
    const name = checkName(tags, account.appId, tagField(jsonBody(req)).name);
    if (tags.createdCount(account.appId) >= maxTags) throw new WxApiError(45056);
    const tag = tags.create(account.appId, name);
    res.json({ tag: { id: tag.id, name: tag.name } });
  });

  router.get('/cgi-bin/tags/get', (req: Request, res: Response) => {
    const account = authorize(req);
    res.json({
      tags: tags.list(account.appId).map((tag) => ({
        id: tag.id,
        name: tag.name,
        count: followingMembers(deps, account.appId, tag.id).length,
      })),
    });
  });

  router.post('/cgi-bin/tags/update', (req: Request, res: Response) => {
    const account = authorize(req);
    const field = tagField(jsonBody(req));
    const tag = changeableTag(tags, account.appId, field.id);
    tag.name = checkName(tags, account.appId, field.name, tag.id);
    sendOk(res);
  });

  router.post('/cgi-bin/tags/delete', (req: Request, res: Response) => {
    const account = authorize(req);
    const tag = changeableTag(tags, account.appId, tagField(jsonBody(req)).id);
    if (followingMembers(deps, account.appId, tag.id).length > maxFollowersToDeleteTag) throw new WxApiError(45057);
    tags.delete(account.appId, tag.id);
    sendOk(res);
  });
}

/** Tagging users and reading tags by user or by tag. */
function addMemberRoutes(router: Router, deps: TagsRouterDeps): void {
  const { authorize, tags, audience, limits } = deps;
  router.post('/cgi-bin/tags/members/batchtagging', (req: Request, res: Response) => {
    const account = authorize(req);
    const { openids, tag } = batchOf(deps, account, jsonBody(req));
    const overLimit = openids.some((openid) => {
      const carried = tags.tagsOf(account.appId, openid);
      return !carried.includes(tag.id) && carried.length >= maxTagsPerUser;
    });
    if (overLimit) throw new WxApiError(45059);
    for (const openid of openids) tags.tag(account.appId, openid, tag.id);
    sendOk(res);
  });

  router.post('/cgi-bin/tags/members/batchuntagging', (req: Request, res: Response) => {
    const account = authorize(req);
    const { openids, tag } = batchOf(deps, account, jsonBody(req));
    for (const openid of openids) tags.untag(account.appId, openid, tag.id);
    sendOk(res);
  });

  router.post('/cgi-bin/tags/getidlist', (req: Request, res: Response) => {
    const account = authorize(req);
    const openid = jsonBody(req).openid;
    if (typeof openid !== 'string' || audience.get(account.appId, openid) === undefined) throw new WxApiError(40003);
    res.json({ tagid_list: tags.tagsOf(account.appId, openid) });
  });

  // Pages like user/get: next_openid = the last openid returned; past the end count 0, no data.
  router.post('/cgi-bin/user/tag/get', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const tag = tags.get(account.appId, body.tagid);
    if (tag === undefined) throw new WxApiError(45159);
    const members = followingMembers(deps, account.appId, tag.id);
    const after = typeof body.next_openid === 'string' ? body.next_openid : '';
    const start = after === '' ? 0 : members.indexOf(after) + 1;
    if (start === 0 && after !== '') throw new WxApiError(40003);
    const page = members.slice(start, start + limits().followersPageSize);
    if (page.length === 0) {
      res.json({ count: 0, next_openid: '' });
      return;
    }
    res.json({ count: page.length, data: { openid: page }, next_openid: page.at(-1) });
  });
}

/** batchblacklist / batchunblacklist take at most 20 openids (40032, batchBlacklistUsers notes). */
export const maxOpenidsPerBlacklisting = 20;

/**
 * The account's blacklist: users it blacklisted stay followers (nothing in the reference says
 * otherwise) and are listed by getblacklist until taken off.
 */
function addBlacklistRoutes(router: Router, { authorize, audience, limits }: TagsRouterDeps): void {
  // 1–20 openids (40032), checked whole before anything changes; an openid the account has
  // never seen does not belong to it: 49003 when blacklisting, 40003 when taking off.
  const openidsOf = (appId: string, body: Record<string, unknown>, unknownErrcode: 40003 | 49003): string[] => {
    const list = body.openid_list;
    if (!Array.isArray(list) || list.length === 0 || list.length > maxOpenidsPerBlacklisting) {
      throw new WxApiError(40032);
    }
    return list.map((openid) => {
      if (typeof openid !== 'string' || openid === '') throw new WxApiError(40003);
      if (audience.get(appId, openid) === undefined) throw new WxApiError(unknownErrcode);
      return openid;
    });
  };

  router.post('/cgi-bin/tags/members/batchblacklist', (req: Request, res: Response) => {
    const account = authorize(req);
    audience.setBlacklisted(account.appId, openidsOf(account.appId, jsonBody(req), 49003), true);
    sendOk(res);
  });

  router.post('/cgi-bin/tags/members/batchunblacklist', (req: Request, res: Response) => {
    const account = authorize(req);
    audience.setBlacklisted(account.appId, openidsOf(account.appId, jsonBody(req), 40003), false);
    sendOk(res);
  });

  // Pages like user/get: begin_openid empty = from the start, else the page starts after it
  // (it is the previous page's next_openid, its last openid); an openid not listed → 40003.
  router.post('/cgi-bin/tags/members/getblacklist', (req: Request, res: Response) => {
    const account = authorize(req);
    const begin = jsonBody(req).begin_openid;
    const after = typeof begin === 'string' ? begin : '';
    const listed = audience.blacklist(account.appId);
    const start = after === '' ? 0 : listed.indexOf(after) + 1;
    if (start === 0 && after !== '') throw new WxApiError(40003);
    const page = listed.slice(start, start + limits().blacklistPageSize);
    if (page.length === 0) {
      res.json({ total: listed.length, count: 0, next_openid: '' });
      return;
    }
    res.json({ total: listed.length, count: page.length, data: { openid: page }, next_openid: page.at(-1) });
  });
}

/**
 * User tags: `tags/*`, `tags/members/*` (tagging and the blacklist), `tags/getidlist`, `user/tag/get`,
 * with their limits and errcodes.
 */
export function createTagsRouter(deps: TagsRouterDeps): Router {
  const router = Router();
  addTagRoutes(router, deps);
  addMemberRoutes(router, deps);
  addBlacklistRoutes(router, deps);
  return router;
}
