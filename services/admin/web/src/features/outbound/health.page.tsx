import { Alert, App, Button, Card, Descriptions, Progress, Space, Table, Tag, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../format';
import { useCan, useConsole } from '../../session';
import { formatDuration, useAccountLoad, useOutboundAccount } from './account-select';
import type { AccountHealth, ConnectionCheck, QuotaUsage, RateSetting } from './outbound-types';

export function rateText(t: TFunction, rate: RateSetting | undefined): string {
  if (rate === undefined) return '—';
  return rate === 'off'
    ? t('outbound.rateOff')
    : t('outbound.rateValue', { perSecond: rate.perSecond, burst: rate.burst });
}

function sameRate(a: RateSetting | undefined, b: RateSetting | undefined): boolean {
  if (a === undefined || b === undefined || a === 'off' || b === 'off') return a === b;
  return a.perSecond === b.perSecond && a.burst === b.burst;
}

/**
 * An account's standing with WeChat: today's quota per API, the shared access_token's expiry,
 * age (its last refresh) and refresh count, the token buckets, and "check connection", which
 * gets the token through the shared manager and makes one authenticated call.
 */
export function HealthPage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const { message } = App.useApp();
  const writer = useCan()('pushes:write');
  const [account, accountSelect] = useOutboundAccount();
  const { data, loading, reload } = useAccountLoad<AccountHealth>(account, '/health');
  const [check, setCheck] = useState<ConnectionCheck>();
  const [checking, setChecking] = useState(false);

  const runCheck = async () => {
    if (account === undefined) return;
    setChecking(true);
    setCheck(undefined);
    try {
      setCheck(await api.outbound<ConnectionCheck>('POST', '/health/check', { account }));
      await reload();
    } catch (error) {
      void message.error(t('common.error', { message: errorText(error) }));
    } finally {
      setChecking(false);
    }
  };

  return (
    <Card
      title={t('outbound.health')}
      loading={loading && data === undefined}
      extra={
        <Space>
          {accountSelect}
          <Button onClick={() => void reload()}>{t('common.refresh')}</Button>
          {writer ? (
            <Button type="primary" loading={checking} onClick={runCheck} data-testid="health-check">
              {t('outbound.checkConnection')}
            </Button>
          ) : null}
        </Space>
      }
    >
      {check === undefined ? null : <CheckResult check={check} />}
      <TokenAndRates health={data} />
      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t('outbound.quotas')}
      </Typography.Title>
      <Table<QuotaUsage>
        rowKey="api"
        size="small"
        pagination={false}
        dataSource={[...(data?.quotas ?? [])]}
        columns={[
          { title: t('outbound.api'), dataIndex: 'api' },
          {
            title: t('outbound.quotaUsed'),
            render: (_v, q) => (
              <div data-testid={`quota-${q.api}`}>
                <Progress
                  size="small"
                  percent={q.limit === 0 ? 0 : Math.min(100, Math.floor((q.used / q.limit) * 100))}
                  status={q.limit > 0 && q.used >= q.limit ? 'exception' : 'normal'}
                />
                <Typography.Text type="secondary">
                  {q.used.toLocaleString()} / {q.limit.toLocaleString()}
                </Typography.Text>
              </div>
            ),
          },
          { title: t('outbound.quotaDay'), dataIndex: 'day' },
        ]}
      />
    </Card>
  );
}

/** The shared token's state, expiry, age and refreshes, the token buckets and the hosts cooling down. */
function TokenAndRates({ health }: { health: AccountHealth | undefined }) {
  const { t } = useTranslation();
  const token = health?.token;
  const data = health;
  return (
    <Descriptions size="small" bordered column={2} title={t('outbound.token')} data-testid="health-token">
      <Descriptions.Item label={t('outbound.tokenState')}>
        {token === undefined ? (
          '—'
        ) : token.isUsable ? (
          <Tag color="success">{t('outbound.tokenUsable')}</Tag>
        ) : (
          <Tag color={token.generation === 0 ? 'default' : 'error'}>
            {token.generation === 0 ? t('outbound.tokenNone') : t('outbound.tokenUnusable')}
          </Tag>
        )}
        {token?.isStale ? <Tag color="warning">{t('outbound.tokenStale')}</Tag> : null}
      </Descriptions.Item>
      <Descriptions.Item label={t('outbound.tokenExpiresIn')}>
        {token === undefined || token.remainingMs === 0 ? '—' : formatDuration(token.remainingMs / 1000)}
      </Descriptions.Item>
      <Descriptions.Item label={t('outbound.tokenLastRefresh')}>
        {token?.ageMs == null ? '—' : t('outbound.ago', { duration: formatDuration(token.ageMs / 1000) })}
      </Descriptions.Item>
      <Descriptions.Item label={t('outbound.tokenRefreshes')}>{token?.generation ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('outbound.tokenFailure')} span={2}>
        {token?.failure ?? t('common.none')}
      </Descriptions.Item>
      <Descriptions.Item label={t('outbound.rates')} span={2}>
        {(['template', 'kefu', 'mass'] as const).map((family) => {
          const own = data !== undefined && !sameRate(data.rates[family], data.defaultRates[family]);
          return (
            <Tag
              key={family}
              color={own ? 'blue' : 'default'}
              data-testid={`rate-${family}`}
              data-rate-source={own ? 'account' : 'deployment'}
            >
              {t(`outbound.families.${family}`)}: {rateText(t, data?.rates[family])}
              {' · '}
              {own
                ? t('outbound.rateOwn', { deployment: rateText(t, data?.defaultRates[family]) })
                : t('outbound.rateDeployment')}
            </Tag>
          );
        })}
      </Descriptions.Item>
      <Descriptions.Item label={t('outbound.hostsCoolingDown')} span={2}>
        {data === undefined || data.hostsCoolingDown.length === 0 ? t('common.none') : data.hostsCoolingDown.join(', ')}
      </Descriptions.Item>
    </Descriptions>
  );
}

function CheckResult({ check }: { check: ConnectionCheck }) {
  const { t } = useTranslation();
  if (check.ok) {
    return (
      <Alert
        type="success"
        showIcon
        style={{ marginBottom: 16 }}
        data-testid="health-check-result"
        message={t('outbound.checkOk', { ms: check.latencyMs })}
      />
    );
  }
  return (
    <Alert
      type="error"
      showIcon
      style={{ marginBottom: 16 }}
      data-testid="health-check-result"
      message={
        check.errcode === undefined
          ? t('outbound.checkFailed', { kind: check.kind })
          : t('outbound.checkErrcode', { errcode: check.errcode, meaning: check.meaning ?? check.kind })
      }
      description={check.message}
    />
  );
}
