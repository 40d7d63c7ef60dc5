import type { Db } from '@mpstack/common/db';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import { type PrivateTemplate, type TemplateField, templateFieldsOf } from '@mpstack/common/wechat-api';
import { type AccountClient, requireClient } from '../wechat/account-client.js';

/** A template as the console lists it: WeChat's fields plus the keys parsed from its content. */
export interface CatalogTemplate extends PrivateTemplate {
  readonly fields: readonly TemplateField[];
  readonly syncedAt: number;
}

/** The account's templates and when they were last synced (undefined: never). */
export interface TemplateList {
  readonly account: string;
  readonly syncedAt: number | undefined;
  readonly templates: readonly CatalogTemplate[];
}

/**
 * Each account's template library, synced from WeChat (`get_all_private_template` through the
 * shared client) and stored in `wechat_templates`, so every replica and the compose page read the
 * same list without calling WeChat. A sync replaces the account's rows in one transaction.
 */
export class TemplateCatalog {
  constructor(
    private readonly options: {
      readonly db: Db;
      readonly client: AccountClient | undefined;
      readonly clock: () => number;
    },
  ) {}

  async list(account: string): Promise<TemplateList> {
    const rows = await this.options.db
      .selectFrom('wechat_templates')
      .selectAll()
      .where('account_id', '=', account)
      .orderBy('title')
      .orderBy('template_id')
      .execute();
    const templates = rows.map((row) => ({
      templateId: row.template_id,
      title: row.title,
      primaryIndustry: row.primary_industry,
      deputyIndustry: row.deputy_industry,
      content: row.content,
      example: row.example,
      fields: templateFieldsOf(row.content),
      syncedAt: Number(row.synced_at),
    }));
    return { account, syncedAt: templates[0]?.syncedAt, templates };
  }

  /** Fetches the account's templates from WeChat and stores them (a typed WeChat error is thrown as is). */
  async sync(account: string): Promise<TemplateList> {
    const { client, appIdOf } = requireClient(this.options.client);
    const fetched = await client.getPrivateTemplates(await appIdOf(account));
    const now = this.options.clock();
    await this.options.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('wechat_templates').where('account_id', '=', account).execute();
      if (fetched.length === 0) return;
      await tx
        .insertInto('wechat_templates')
        .values(
          fetched.map((t) => ({
            account_id: account,
            template_id: t.templateId.slice(0, 128),
            title: t.title.slice(0, 255),
            primary_industry: t.primaryIndustry.slice(0, 128),
            deputy_industry: t.deputyIndustry.slice(0, 128),
            content: t.content,
            example: t.example,
            synced_at: now,
          })),
        )
        .execute();
    });
    return this.list(account);
  }

  /**
   * Once the account's library was synced, a send or push must name one of its templates and
   * only that template's fields (else WeChat answers 40037, or drops the unknown keys): a
   * clear 400 here instead. An account never synced is not checked (the library is unknown).
   */
  async check(account: string, templateId: string, fieldKeys: readonly string[]): Promise<void> {
    const { templates, syncedAt } = await this.list(account);
    if (syncedAt === undefined) return;
    const template = templates.find((t) => t.templateId === templateId);
    if (template === undefined) {
      throw new AppError(
        ErrorCode.badRequest,
        `template "${templateId}" is not among account "${account}"'s ${templates.length} templates (last synced ${new Date(syncedAt).toISOString()}); sync the templates or pick one`,
      );
    }
    const known = new Set(template.fields.map((f) => f.key));
    const unknown = fieldKeys.filter((key) => !known.has(key));
    if (unknown.length > 0) {
      throw new AppError(
        ErrorCode.badRequest,
        `template "${templateId}" has no field ${unknown.join(', ')} (its fields: ${[...known].join(', ')})`,
      );
    }
  }
}
