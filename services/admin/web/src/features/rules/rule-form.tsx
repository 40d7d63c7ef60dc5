import { isValidRegex, matchTypes, replyTypes, ruleKinds, rulePriorityRange } from '@mpstack/admin/api-types';
import { Button, Card, Form, Input, InputNumber, Modal, Select, Switch } from 'antd';
import { useTranslation } from 'react-i18next';
import type { RuleInput, RuleView } from '../../api/types';

type ReplyType = RuleView['reply']['type'];

/** Each reply type's fields besides `type` (news has its `articles` list), as the server's reply schema names them. */
const replyFields: Readonly<Record<ReplyType, readonly { name: string; required?: boolean; long?: boolean }[]>> = {
  text: [{ name: 'content', required: true, long: true }],
  image: [{ name: 'mediaId', required: true }],
  voice: [{ name: 'mediaId', required: true }],
  video: [{ name: 'mediaId', required: true }, { name: 'title' }, { name: 'description' }],
  music: [
    { name: 'thumbMediaId', required: true },
    { name: 'title' },
    { name: 'description' },
    { name: 'musicUrl' },
    { name: 'hqMusicUrl' },
  ],
  news: [],
  transfer_customer_service: [{ name: 'kfAccount' }],
};
const articleFields = ['title', 'description', 'picUrl', 'url'] as const;
/** WeChat shows at most 8 articles in a passive reply (the server checks it too). */
const maxArticles = 8;

interface FormValues {
  readonly kind: RuleView['kind'];
  readonly matchType?: RuleView['matchType'];
  readonly keyword?: string;
  readonly priority?: number;
  readonly enabled: boolean;
  readonly reply: { readonly type: ReplyType; readonly articles?: Record<string, string | undefined>[] } & Record<
    string,
    unknown
  >;
}

function filled(values: Readonly<Record<string, unknown>>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = values[name];
    if (typeof value === 'string' && value.trim() !== '') out[name] = value;
  }
  return out;
}

/** The form's values as the API takes them: only the chosen reply type's fields, no empty ones. */
export function toRuleInput(values: FormValues): RuleInput {
  const type = values.reply.type;
  const reply =
    type === 'news'
      ? { type, articles: (values.reply.articles ?? []).map((article) => filled(article, articleFields)) }
      : {
          type,
          ...filled(
            values.reply,
            replyFields[type].map((field) => field.name),
          ),
        };
  const keyword = values.kind === 'keyword' ? values.keyword?.trim() : undefined;
  return {
    kind: values.kind,
    ...(keyword ? { keyword, matchType: values.matchType ?? 'exact' } : {}),
    reply,
    priority: values.priority ?? 0,
    enabled: values.enabled,
  };
}

function initialValues(editing: RuleView | 'new' | undefined): FormValues {
  if (editing === undefined || editing === 'new') {
    return { kind: 'keyword', matchType: 'exact', priority: 0, enabled: true, reply: { type: 'text' } };
  }
  return {
    kind: editing.kind,
    matchType: editing.matchType,
    ...(editing.keyword === undefined ? {} : { keyword: editing.keyword }),
    priority: editing.priority,
    enabled: editing.enabled,
    reply: editing.reply,
  };
}

function ReplyFields(props: { readonly type: ReplyType }) {
  const { t } = useTranslation();
  const required = (field: string) => ({ required: true, message: t('session.required', { field }) });
  if (props.type === 'news') {
    return (
      <Form.List name={['reply', 'articles']} initialValue={[{}]}>
        {(items, { add, remove }) => (
          <>
            {items.map((item, index) => (
              <Card
                key={item.key}
                size="small"
                style={{ marginBottom: 8 }}
                title={`${t('rules.article')} ${index + 1}`}
                extra={
                  items.length > 1 && (
                    <Button size="small" type="link" onClick={() => remove(item.name)}>
                      {t('rules.delete')}
                    </Button>
                  )
                }
              >
                {articleFields.map((name) => (
                  <Form.Item
                    key={name}
                    name={[item.name, name]}
                    label={t(`rules.fields.${name}`)}
                    rules={name === 'title' ? [required(t('rules.fields.title'))] : []}
                  >
                    <Input data-testid={`article-${index}-${name}`} />
                  </Form.Item>
                ))}
              </Card>
            ))}
            {items.length < maxArticles && (
              <Button block type="dashed" onClick={() => add({})}>
                {t('rules.addArticle')}
              </Button>
            )}
          </>
        )}
      </Form.List>
    );
  }
  return (
    <>
      {replyFields[props.type].map(({ name, required: must, long }) => (
        <Form.Item
          key={name}
          name={['reply', name]}
          label={t(`rules.fields.${name}`)}
          rules={must === true ? [required(t(`rules.fields.${name}`))] : []}
        >
          {long === true ? (
            <Input.TextArea rows={4} maxLength={2000} showCount data-testid={`reply-${name}`} />
          ) : (
            <Input data-testid={`reply-${name}`} />
          )}
        </Form.Item>
      ))}
    </>
  );
}

/** Create or edit a reply rule: its kind, the keyword and how it matches, the reply of any type, priority, status. */
export function RuleModal(props: {
  readonly editing: RuleView | 'new' | undefined;
  readonly onSave: (input: RuleInput) => Promise<boolean>;
  readonly onClose: () => void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<FormValues>();
  const kind = Form.useWatch('kind', form);
  const matchType = Form.useWatch('matchType', form);
  const type = Form.useWatch(['reply', 'type'], form) as ReplyType | undefined;
  const isNew = props.editing === 'new';
  return (
    <Modal
      open={props.editing !== undefined}
      destroyOnHidden
      width={640}
      title={isNew ? t('rules.add') : t('rules.edit')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      onCancel={props.onClose}
      onOk={() => form.submit()}
    >
      <Form<FormValues>
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={initialValues(props.editing)}
        onFinish={(values) => void props.onSave(toRuleInput(values))}
      >
        <Form.Item name="kind" label={t('rules.kind')} extra={kind === undefined ? '' : t(`rules.kindHints.${kind}`)}>
          <Select
            data-testid="rule-kind"
            options={ruleKinds.map((k) => ({ value: k, label: t(`rules.kinds.${k}`) }))}
          />
        </Form.Item>
        {kind === 'keyword' && (
          <>
            <Form.Item name="matchType" label={t('rules.matchType')}>
              <Select
                data-testid="rule-match"
                options={matchTypes.map((m) => ({ value: m, label: t(`rules.matchTypes.${m}`) }))}
              />
            </Form.Item>
            <Form.Item
              name="keyword"
              label={t('rules.keyword')}
              rules={[
                { required: true, whitespace: true, message: t('session.required', { field: t('rules.keyword') }) },
                { max: 255 },
                {
                  validator: async (_, value: string | undefined) => {
                    if (matchType === 'regex' && value !== undefined && value !== '' && !isValidRegex(value)) {
                      throw new Error(t('rules.badRegex'));
                    }
                  },
                },
              ]}
            >
              <Input data-testid="rule-keyword" />
            </Form.Item>
          </>
        )}
        <Form.Item name={['reply', 'type']} label={t('rules.replyType')}>
          <Select
            data-testid="rule-reply-type"
            options={replyTypes.map((r) => ({ value: r, label: t(`rules.replyTypes.${r}`) }))}
          />
        </Form.Item>
        <ReplyFields type={type ?? 'text'} />
        <Form.Item name="priority" label={t('rules.priority')} extra={t('rules.priorityHint')}>
          <InputNumber min={rulePriorityRange.min} max={rulePriorityRange.max} precision={0} />
        </Form.Item>
        <Form.Item name="enabled" label={t('common.enabled')} valuePropName="checked">
          <Switch />
        </Form.Item>
      </Form>
    </Modal>
  );
}
