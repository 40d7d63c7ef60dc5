/** A user tag as `tags/get` lists it. */
export interface Tag {
  readonly id: number;
  name: string;
}

/** Ids 0, 1 and 2 are the system's (2 is 星标组); they cannot be changed or deleted (45058). */
export const systemTagIds: ReadonlySet<number> = new Set([0, 1, 2]);
/** At most 100 tags an account creates (45056, createTag notes). */
export const maxTags = 100;
/** A follower carries at most 20 tags (45059, batchTagUsers notes). */
export const maxTagsPerUser = 20;
/** Tag names are at most 30 UTF-8 bytes (45158; "validate by bytes", createTag notes). */
export const maxTagNameBytes = 30;
/** batchtagging / batchuntagging take at most 50 openids (40032). */
export const maxOpenidsPerTagging = 50;
/** A tag with more followers than this cannot be deleted (45057, deleteTag notes). */
export const maxFollowersToDeleteTag = 100_000;

interface AccountTags {
  readonly tags: Map<number, Tag>;
  /** openid → its tag ids, in the order they were added. */
  readonly byUser: Map<string, number[]>;
  nextId: number;
}

/**
 * Each account's tags and which users carry them. Ids of created tags start at 100 (the
 * reference's examples are 127–134); the system tag 星标组 (2) exists from the start.
 */
export class TagStore {
  private readonly accounts = new Map<string, AccountTags>();

  list(appId: string): readonly Tag[] {
    return [...this.of(appId).tags.values()];
  }

  get(appId: string, id: unknown): Tag | undefined {
    return typeof id === 'number' || typeof id === 'string' ? this.of(appId).tags.get(Number(id)) : undefined;
  }

  /** Tags the account created (the system tags do not count against the 100). */
  createdCount(appId: string): number {
    return this.list(appId).filter((tag) => !systemTagIds.has(tag.id)).length;
  }

  create(appId: string, name: string): Tag {
    const account = this.of(appId);
    const tag = { id: account.nextId++, name };
    account.tags.set(tag.id, tag);
    return tag;
  }

  /** Deletes the tag and takes it off every user. */
  delete(appId: string, id: number): void {
    const account = this.of(appId);
    account.tags.delete(id);
    for (const [openid, ids] of account.byUser) {
      account.byUser.set(
        openid,
        ids.filter((tagId) => tagId !== id),
      );
    }
  }

  tagsOf(appId: string, openid: string): readonly number[] {
    return this.of(appId).byUser.get(openid) ?? [];
  }

  /** Users carrying the tag, in the order they were first tagged. */
  members(appId: string, id: number): readonly string[] {
    const found: string[] = [];
    for (const [openid, ids] of this.of(appId).byUser) if (ids.includes(id)) found.push(openid);
    return found;
  }

  tag(appId: string, openid: string, id: number): void {
    const ids = this.tagsOf(appId, openid);
    if (!ids.includes(id)) this.of(appId).byUser.set(openid, [...ids, id]);
  }

  untag(appId: string, openid: string, id: number): void {
    this.of(appId).byUser.set(
      openid,
      this.tagsOf(appId, openid).filter((tagId) => tagId !== id),
    );
  }

  reset(): void {
    this.accounts.clear();
  }

  private of(appId: string): AccountTags {
    let account = this.accounts.get(appId);
    if (account === undefined) {
      account = { tags: new Map([[2, { id: 2, name: '星标组' }]]), byUser: new Map(), nextId: 100 };
      this.accounts.set(appId, account);
    }
    return account;
  }
}
