import assert from 'node:assert/strict';
import type { MysqlPod } from '../../src/reconcile/mysql-port.js';
import { kubeSignals } from '../../src/reconcile/mysql-signals.js';

const pod = (name: string, ready: string, deleting = false): MysqlPod => ({
  metadata: { name, ...(deleting ? { deletionTimestamp: new Date(0) } : {}) },
  status: { conditions: [{ type: 'Ready', status: ready }] },
});

describe('kubeSignals (the Kubernetes corroboration of a MySQL failure)', () => {
  it('reads Ready, NotReady, terminating (deletion requested, even if still Ready) and absent from the Pods', () => {
    const signals = kubeSignals(['a', 'b', 'c', 'd'], [pod('a', 'True'), pod('b', 'False'), pod('c', 'True', true)]);
    assert.deepEqual(signals, { a: 'ready', b: 'notReady', c: 'terminating', d: 'absent' });
  });
});
