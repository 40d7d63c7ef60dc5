import assert from 'node:assert/strict';
import { validatePlatformName, validateSpec } from '../../src/api/validation.js';

const minimal = {
  image: 'mpstack/mpstack:1',
  ingress: { host: 'wx.example.com' },
  redis: { urlSecret: { name: 'redis', key: 'url' } },
};

function problemsOf(spec: unknown): readonly string[] {
  const result = validateSpec(spec);
  assert.equal(result.ok, false, 'the spec is rejected');
  return result.ok ? [] : result.problems;
}

describe('validateSpec', () => {
  it('applies every default to a minimal spec', () => {
    const result = validateSpec(minimal);
    assert.ok(result.ok);
    const { spec } = result;
    assert.equal(spec.imagePullPolicy, 'IfNotPresent');
    assert.equal(spec.paused, false);
    assert.deepEqual(spec.services.ingress.replicas, { min: 2, max: 20 });
    assert.deepEqual(spec.services['business-worker'].replicas, { min: 2, max: 20 });
    assert.equal(spec.services.ingress.scaling, undefined);
    assert.deepEqual(spec.metrics, { source: 'pods', scrapeIntervalSeconds: 15 });
    assert.equal(spec.mysql.mode, 'dualMaster');
    assert.equal(spec.mysql.image, 'mariadb:10.11');
    assert.equal(spec.mysql.semiSync, true);
    assert.deepEqual(spec.mysql.failover, { probeIntervalSeconds: 2, failureThreshold: 3, antiFlapSeconds: 300 });
    assert.equal(spec.rabbitmq.replicas, 3);
    assert.equal(spec.rabbitmq.storage.size, '10Gi');
  });

  it('fills a scaling block with the HPA defaults: 10 % tolerance, immediate scale-up, 300 s scale-down window', () => {
    const result = validateSpec({
      ...minimal,
      services: {
        ingress: {
          scaling: {
            targetRequestsPerSecondPerReplica: 50,
            scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
          },
        },
      },
    });
    assert.ok(result.ok);
    const scaling = result.spec.services.ingress.scaling;
    assert.equal(scaling?.tolerance, 0.1);
    assert.deepEqual(scaling?.scaleUp, {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Percent', value: 100, periodSeconds: 15 },
        { type: 'Pods', value: 4, periodSeconds: 15 },
      ],
    });
    assert.equal(scaling?.scaleDown.stabilizationWindowSeconds, 300);
    assert.deepEqual(scaling?.scaleDown.policies, [{ type: 'Pods', value: 1, periodSeconds: 60 }]);
  });

  it('never shares default arrays between two results', () => {
    const spec = { ...minimal, services: { ingress: { scaling: { targetRequestsPerSecondPerReplica: 1 } } } };
    const a = validateSpec(spec);
    const b = validateSpec(spec);
    assert.ok(a.ok && b.ok);
    assert.notEqual(
      a.spec.services.ingress.scaling?.scaleUp.policies,
      b.spec.services.ingress.scaling?.scaleUp.policies,
    );
  });

  it('drops unknown fields as the API server prunes them', () => {
    const result = validateSpec({ ...minimal, replicaCount: 3, ingress: { host: 'wx.example.com', colour: 'red' } });
    assert.ok(result.ok);
    assert.equal('replicaCount' in result.spec, false);
    assert.deepEqual(result.spec.ingress, { host: 'wx.example.com' });
  });

  it('lists every problem at once, single-field and cross-field together', () => {
    const problems = problemsOf({
      image: '',
      ingress: { host: 'Bad_Host' },
      services: {
        ingress: {
          replicas: { min: 5, max: 2 },
          scaling: {
            targetRequestsPerSecondPerReplica: 0,
            tiers: [
              { requestsPerSecond: 10, minReplicas: 1 },
              { requestsPerSecond: 5, minReplicas: 30 },
            ],
          },
        },
      },
      rabbitmq: { replicas: 2, mode: 'external' },
      metrics: { source: 'prometheus' },
    });
    const expectedPrefixes = [
      'image:',
      'ingress.host:',
      'services.ingress.scaling.targetRequestsPerSecondPerReplica:',
      'rabbitmq.replicas: must be odd',
      'redis:',
      'services.ingress.replicas: min (5) must not exceed max (2)',
      'services.ingress.scaling.tiers[1]: requestsPerSecond must be strictly ascending',
      'services.ingress.scaling.tiers[1]: minReplicas (30) exceeds replicas.max (2)',
      'rabbitmq.externalUrlSecret: required when mode is external',
      'metrics.prometheusUrl: required when source is prometheus',
    ];
    for (const prefix of expectedPrefixes) {
      assert.ok(
        problems.some((p) => p.startsWith(prefix)),
        `${prefix} missing from:\n${problems.join('\n')}`,
      );
    }
    assert.equal(problems.length, expectedPrefixes.length);
  });

  const crossFieldCases: [string, Record<string, unknown>, string][] = [
    ['min above max', { services: { admin: { replicas: { min: 4, max: 3 } } } }, 'services.admin.replicas'],
    ['a default max below a given min', { services: { admin: { replicas: { min: 4 } } } }, 'services.admin'],
    [
      'equal tier rates',
      {
        services: {
          business: {
            scaling: {
              targetRequestsPerSecondPerReplica: 1,
              tiers: [
                { requestsPerSecond: 5, minReplicas: 2 },
                { requestsPerSecond: 5, minReplicas: 3 },
              ],
            },
          },
        },
      },
      'tiers[1]',
    ],
    ['external MySQL without a URL Secret', { mysql: { mode: 'external' } }, 'mysql.externalUrlSecret'],
    [
      'the same env variable twice',
      {
        services: {
          log: {
            env: [
              { name: 'A', value: '1' },
              { name: 'A', value: '2' },
            ],
          },
        },
      },
      'services.log.env',
    ],
    ['an even RabbitMQ cluster', { rabbitmq: { replicas: 4 } }, 'rabbitmq.replicas'],
    [
      'a summary without recipients',
      { logs: { summary: { smtpUrlSecret: { name: 's', key: 'url' } } } },
      'logs.summary.to',
    ],
    [
      'a summary time that is no time of day',
      { logs: { summary: { smtpUrlSecret: { name: 's', key: 'url' }, to: 'a@b.cn', at: '24:00' } } },
      'logs.summary.at',
    ],
    [
      'a push e-mail without recipients',
      { outbound: { mail: { smtpUrlSecret: { name: 's', key: 'url' } } } },
      'outbound.mail.to',
    ],
    [
      'a push e-mail whose SMTP URL is inlined, not a Secret',
      { outbound: { mail: { smtpUrlSecret: 'smtp://u:p@mail:587', to: 'ops@example.com' } } },
      'outbound.mail.smtpUrlSecret',
    ],
    ['a files claim that is no object name', { logs: { filesClaimName: 'Log_Files' } }, 'logs.filesClaimName'],
    ['a host with a trailing dot', { ingress: { host: 'wx.example.com.' } }, 'ingress.host'],
    [
      'a non-HTTP Prometheus URL',
      { metrics: { source: 'prometheus', prometheusUrl: 'ftp://x' } },
      'metrics.prometheusUrl',
    ],
  ];
  for (const [name, patch, path] of crossFieldCases) {
    it(`rejects ${name}, naming ${path}`, () => {
      const problems = problemsOf({ ...minimal, ...patch });
      assert.ok(
        problems.some((p) => p.includes(path)),
        problems.join('\n'),
      );
    });
  }

  it('accepts ascending tiers whose floors fit under replicas.max', () => {
    const result = validateSpec({
      ...minimal,
      services: {
        ingress: {
          replicas: { min: 2, max: 30 },
          scaling: {
            targetRequestsPerSecondPerReplica: 100,
            tiers: [
              { requestsPerSecond: 500, minReplicas: 6 },
              { requestsPerSecond: 2000, minReplicas: 30 },
            ],
          },
        },
      },
    });
    assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
  });

  it('rejects a non-object spec with a problem instead of throwing', () => {
    assert.ok(problemsOf(null).length > 0);
    assert.ok(problemsOf('spec').length > 0);
  });
});

describe('validatePlatformName', () => {
  it('accepts a DNS label of up to 40 characters and rejects longer or malformed names', () => {
    assert.deepEqual(validatePlatformName('festival-2025'), []);
    assert.deepEqual(validatePlatformName('a'.repeat(40)), []);
    assert.equal(validatePlatformName('a'.repeat(41)).length, 1);
    assert.equal(validatePlatformName('Festival').length, 1);
    assert.equal(validatePlatformName('9lives').length, 1);
  });
});
