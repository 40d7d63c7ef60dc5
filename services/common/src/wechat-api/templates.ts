/** A template of the account's library as `get_all_private_template` lists it. */
export interface PrivateTemplate {
  readonly templateId: string;
  readonly title: string;
  readonly primaryIndustry: string;
  readonly deputyIndustry: string;
  /** The text with its `{{key.DATA}}` placeholders. */
  readonly content: string;
  readonly example: string;
}

/** One field of a template: the key `template/send`'s `data` uses, and the label before it in the content. */
export interface TemplateField {
  readonly key: string;
  /** The text before the placeholder on its line (`物流单号`), '' when none (`{{first.DATA}}`). */
  readonly label: string;
}

/** A user tag as `tags/get` lists it. */
export interface FollowerTag {
  readonly id: number;
  readonly name: string;
  /** Followers carrying the tag. */
  readonly count: number;
}

const placeholder = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\.DATA\s*\}\}/g;

/**
 * The fields of a template's content, in order, each once: `物流单号：{{character_string1.DATA}}`
 * gives `{ key: 'character_string1', label: '物流单号' }`.
 */
export function templateFieldsOf(content: string): TemplateField[] {
  const fields: TemplateField[] = [];
  const seen = new Set<string>();
  for (const line of content.split(/\r?\n/)) {
    let from = 0;
    for (const match of line.matchAll(placeholder)) {
      const key = match[1] as string;
      const label = line
        .slice(from, match.index)
        .replace(/[：:\s]+$/u, '')
        .trim();
      from = match.index + match[0].length;
      if (seen.has(key)) continue;
      seen.add(key);
      fields.push({ key, label });
    }
  }
  return fields;
}

/** The objects of an answer's list field (a missing list is none; what is not an object is skipped). */
function objectsOf(result: Readonly<Record<string, unknown>>, field: string): Record<string, unknown>[] {
  const list = result[field];
  if (!Array.isArray(list)) return [];
  return list.filter((item: unknown): item is Record<string, unknown> => item !== null && typeof item === 'object');
}

/** `get_all_private_template`'s answer, checked field by field. */
export function privateTemplatesOf(result: Readonly<Record<string, unknown>>): PrivateTemplate[] {
  return objectsOf(result, 'template_list').flatMap((t) => {
    if (typeof t['template_id'] !== 'string' || t['template_id'] === '') return [];
    const text = (name: string) => (typeof t[name] === 'string' ? (t[name] as string) : '');
    return [
      {
        templateId: t['template_id'],
        title: text('title'),
        primaryIndustry: text('primary_industry'),
        deputyIndustry: text('deputy_industry'),
        content: text('content'),
        example: text('example'),
      },
    ];
  });
}

/** `tags/get`'s answer. */
export function followerTagsOf(result: Readonly<Record<string, unknown>>): FollowerTag[] {
  return objectsOf(result, 'tags').flatMap((t) => {
    const id = Number(t['id']);
    if (!Number.isInteger(id) || typeof t['name'] !== 'string') return [];
    return [{ id, name: t['name'], count: Number(t['count'] ?? 0) || 0 }];
  });
}
