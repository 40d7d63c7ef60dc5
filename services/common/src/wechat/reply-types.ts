/** Passive replies (answered in the HTTP response). Media must be uploaded first. */

export interface NewsArticle {
  readonly title: string;
  readonly description?: string;
  readonly picUrl?: string;
  readonly url?: string;
}

export type Reply =
  | { readonly type: 'text'; readonly content: string }
  | { readonly type: 'image'; readonly mediaId: string }
  | { readonly type: 'voice'; readonly mediaId: string }
  | { readonly type: 'video'; readonly mediaId: string; readonly title?: string; readonly description?: string }
  | {
      readonly type: 'music';
      readonly thumbMediaId: string;
      readonly title?: string;
      readonly description?: string;
      readonly musicUrl?: string;
      readonly hqMusicUrl?: string;
    }
  | { readonly type: 'news'; readonly articles: readonly NewsArticle[] }
  | { readonly type: 'transfer_customer_service'; readonly kfAccount?: string };

export type ReplyType = Reply['type'];
