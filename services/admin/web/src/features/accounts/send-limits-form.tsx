import { type AccountSendLimitsView, type SendRate, sendLimitMax } from '@mpstack/admin/api-types';
import { Alert, type ButtonProps, Form, InputNumber, Modal, Select, Space, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { AccountView } from '../../api/types';

const families = ['template', 'kefu', 'mass'] as const;
type Family = (typeof families)[number];
/** The daily quotas the form offers to override (WeChat's documented ones an operator raises or lowers). */
const quotaApis = ['sendTemplateMessage', 'massPreview'] as const;

/** One family's row: the deployment's rate, off, or a bucket of its own. */
interface RateRow {
  readonly mode: 'default' | 'off' | 'limit';
  readonly perSecond?: number | null;
  readonly burst?: number | null;
}
type FormValues = Record<Family, RateRow> & { readonly quotas: Partial<Record<string, number | null>> };

function rowOf(rate: SendRate | undefined): RateRow {
  if (rate === undefined) return { mode: 'default' };
  if (rate === 'off') return { mode: 'off' };
  return { mode: 'limit', perSecond: rate.perSecond, burst: rate.burst };
}

function initialOf(limits: AccountSendLimitsView | null | undefined): FormValues {
  return {
    template: rowOf(limits?.rates?.template),
    kefu: rowOf(limits?.rates?.kefu),
    mass: rowOf(limits?.rates?.mass),
    quotas: { ...limits?.dailyQuotas },
  };
}

/** The request body (`PUT /accounts/:id/send-limits`); the server checks every value again. */
function requestOf(values: FormValues): AccountSendLimitsView {
  const rates: Partial<Record<Family, SendRate>> = {};
  for (const family of families) {
    const row = values[family];
    if (row.mode === 'off') rates[family] = 'off';
    if (row.mode === 'limit') {
      rates[family] = { perSecond: row.perSecond ?? 0, burst: row.burst ?? Math.max(1, Math.ceil(row.perSecond ?? 1)) };
    }
  }
  const dailyQuotas = Object.fromEntries(
    Object.entries(values.quotas).filter((entry): entry is [string, number] => typeof entry[1] === 'number'),
  );
  return { rates, dailyQuotas };
}

/** The account's own rates as short tags for the table; one "default" tag when it has none. */
export function SendLimitTags({ account }: { readonly account: AccountView }) {
  const { t } = useTranslation();
  const rates = account.sendLimits?.rates ?? {};
  const own = families.filter((family) => rates[family] !== undefined);
  if (own.length === 0 && Object.keys(account.sendLimits?.dailyQuotas ?? {}).length === 0) {
    return <Tag data-testid={`limits-${account.id}`}>{t('sendLimits.default')}</Tag>;
  }
  return (
    <Space size={4} wrap data-testid={`limits-${account.id}`}>
      {own.map((family) => {
        const rate = rates[family];
        const text = rate === 'off' ? t('sendLimits.off') : t('sendLimits.perSecond', { rate: rate?.perSecond });
        return <Tag key={family} color="blue">{`${t(`sendLimits.families.${family}`)} ${text}`}</Tag>;
      })}
      {Object.keys(account.sendLimits?.dailyQuotas ?? {}).length > 0 && (
        <Tag color="gold">{t('sendLimits.ownQuotas')}</Tag>
      )}
    </Space>
  );
}

/** Edits an account's own send rates and daily quotas (super-admins); empty means the deployment's. */
export function SendLimitsModal(props: {
  readonly account: AccountView | undefined;
  readonly onSave: (id: string, limits: AccountSendLimitsView) => Promise<boolean>;
  readonly onClose: () => void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<FormValues>();
  const { account } = props;
  return (
    <Modal
      open={account !== undefined}
      destroyOnHidden
      title={`${t('sendLimits.title')} · ${account?.name ?? ''}`}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'save-send-limits' } as ButtonProps}
      onCancel={props.onClose}
      onOk={() => form.submit()}
    >
      <Alert type="info" showIcon title={t('sendLimits.hint')} style={{ marginBottom: 16 }} />
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={initialOf(account?.sendLimits)}
        onFinish={(values) => account !== undefined && void props.onSave(account.id, requestOf(values))}
      >
        {families.map((family) => (
          <RateFields key={family} family={family} />
        ))}
        {quotaApis.map((api) => (
          <Form.Item key={api} name={['quotas', api]} label={t(`sendLimits.quotas.${api}`)}>
            <InputNumber
              min={1}
              max={sendLimitMax.dailyQuota}
              precision={0}
              placeholder={t('sendLimits.default')}
              style={{ width: 200 }}
              data-testid={`quota-${api}`}
            />
          </Form.Item>
        ))}
      </Form>
    </Modal>
  );
}

function RateFields({ family }: { readonly family: Family }) {
  const { t } = useTranslation();
  const mode = Form.useWatch([family, 'mode']);
  return (
    <Form.Item label={t(`sendLimits.families.${family}`)}>
      <Space wrap>
        <Form.Item name={[family, 'mode']} noStyle>
          <Select
            style={{ width: 140 }}
            data-testid={`rate-mode-${family}`}
            options={(['default', 'off', 'limit'] as const).map((value) => ({
              value,
              label: t(`sendLimits.modes.${value}`),
            }))}
          />
        </Form.Item>
        {mode === 'limit' && (
          <>
            <Form.Item
              name={[family, 'perSecond']}
              noStyle
              rules={[{ required: true, type: 'number', min: 0.001, max: sendLimitMax.perSecond }]}
            >
              <InputNumber
                min={0.001}
                max={sendLimitMax.perSecond}
                addonAfter={t('sendLimits.unit')}
                data-testid={`rate-${family}`}
              />
            </Form.Item>
            <Form.Item name={[family, 'burst']} noStyle>
              <InputNumber
                min={1}
                max={sendLimitMax.burst}
                precision={0}
                addonBefore={t('sendLimits.burst')}
                data-testid={`burst-${family}`}
              />
            </Form.Item>
          </>
        )}
      </Space>
    </Form.Item>
  );
}
