import assert from 'node:assert/strict';
import { AdminHarness, type SignedIn, seedPassword } from '../support/admin-harness.js';

describe('admin API: users (MariaDB, Redis)', function () {
  this.timeout(120_000);
  const harness = new AdminHarness();
  let root: SignedIn;
  const idOf = async (username: string): Promise<string> => {
    const list = await harness.as(root, 'GET', '/users');
    const user = (list.body.items as Array<{ id: string; username: string }>).find((u) => u.username === username);
    if (user === undefined) throw new Error(`no user ${username}`);
    return user.id;
  };

  before(async () => {
    await harness.start({ root: 'super-admin', vera: 'viewer', otto: 'operator' });
    root = await harness.signIn('root');
  });
  after(() => harness.stop());

  it('lists users without their hashes, for super-admins only', async () => {
    const list = await harness.as(root, 'GET', '/users');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.map((u: { username: string }) => u.username).sort(), ['otto', 'root', 'vera']);
    assert.ok(!list.text.includes('scrypt') && !list.text.includes('sessionEpoch'));
    const vera = await harness.signIn('vera');
    assert.equal((await harness.as(vera, 'GET', '/users')).status, 403);
  });

  it('creates a user who can sign in; a taken name is a conflict', async () => {
    const created = await harness.as(root, 'POST', '/users', {
      body: { username: 'nina', displayName: '  妮娜 <b>ops</b> ', role: 'operator', password: 'long enough pass' },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(
      { ...created.body.user, id: undefined, createdAt: undefined },
      {
        username: 'nina',
        displayName: '妮娜 <b>ops</b>',
        role: 'operator',
        disabled: false,
        id: undefined,
        createdAt: undefined,
      },
    );
    await harness.signIn('nina', 'long enough pass');
    const again = await harness.as(root, 'POST', '/users', {
      body: { username: 'nina', role: 'viewer', password: 'another long one' },
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'conflict');
  });

  it('names every problem of a new user: the password policy, the username, unknown fields', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ username: 'x1', role: 'viewer', password: 'short' }, ['password: at least 10 characters']],
      [{ username: 'pat', role: 'viewer', password: 'my-pat-password' }, ['password: must not contain the username']],
      [{ username: 'q1', role: 'viewer', password: 'Password123' }, ['password: is one of the most guessed passwords']],
      [
        { username: 'q2', role: 'viewer', password: 'aaaaaaaaaaaa' },
        ['password: needs at least 3 different characters'],
      ],
      [
        { username: 'bad name!', role: 'king', password: 'long enough pass' },
        [
          'username: 1 to 64 letters, digits, _ . @ -',
          'role: Invalid option: expected one of "viewer"|"operator"|"super-admin"|"agent"',
        ],
      ],
      [
        { username: 'q3', role: 'viewer', password: 'long enough pass', isAdmin: true },
        ['(body): Unrecognized key: "isAdmin"'],
      ],
    ];
    for (const [body, problems] of cases) {
      const answer = await harness.as(root, 'POST', '/users', { body });
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.deepEqual(answer.body.error.problems, problems, JSON.stringify(body));
    }
    const list = await harness.as(root, 'GET', '/users');
    assert.equal(list.body.items.length, 4, 'nothing created (root, vera, otto, nina)');
  });

  it('changes a role at once: the user’s next request has the new permissions', async () => {
    const otto = await harness.signIn('otto');
    const patched = await harness.as(root, 'PATCH', `/users/${await idOf('otto')}`, {
      body: { role: 'viewer', displayName: 'Otto' },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.user.role, 'viewer');
    const permissions = await harness.as(otto, 'GET', '/me/permissions');
    assert.ok(!permissions.body.permissions.includes('rules:write'));
    const [entry] = (await harness.as(root, 'GET', '/audit?action=users.update&target=user:otto')).body.items;
    assert.deepEqual(
      [entry.actor, entry.before, entry.after],
      ['root', { role: 'operator', displayName: 'otto' }, { role: 'viewer', displayName: 'Otto' }],
    );
  });

  it('disabling a user ends their sessions for good; re-enabling does not revive them', async () => {
    const vera = await harness.signIn('vera');
    const id = await idOf('vera');
    assert.equal((await harness.as(root, 'PATCH', `/users/${id}`, { body: { disabled: true } })).status, 200);
    assert.equal((await harness.as(vera, 'GET', '/session')).status, 401);
    const refused = await harness.call('POST', '/session', { body: { username: 'vera', password: seedPassword } });
    assert.equal(refused.status, 401);
    assert.equal((await harness.as(root, 'PATCH', `/users/${id}`, { body: { disabled: false } })).status, 200);
    assert.equal((await harness.as(vera, 'GET', '/session')).status, 401, 'the old session stays ended');
    await harness.signIn('vera');
  });

  it('a password reset ends the user’s sessions; the new password works, the old does not; the policy applies', async () => {
    const vera = await harness.signIn('vera');
    const id = await idOf('vera');
    const weak = await harness.as(root, 'PATCH', `/users/${id}`, { body: { password: 'vera-vera-vera' } });
    assert.equal(weak.status, 400);
    assert.deepEqual(weak.body.error.problems, ['password: must not contain the username']);
    assert.equal((await harness.as(vera, 'GET', '/session')).status, 200, 'a refused reset changes nothing');
    const reset = await harness.as(root, 'PATCH', `/users/${id}`, { body: { password: 'a brand new secret' } });
    assert.equal(reset.status, 200);
    assert.equal((await harness.as(vera, 'GET', '/session')).status, 401);
    assert.equal(
      (await harness.call('POST', '/session', { body: { username: 'vera', password: seedPassword } })).status,
      401,
    );
    await harness.signIn('vera', 'a brand new secret');
    const [entry] = (await harness.as(root, 'GET', '/audit?action=users.reset-password&target=user:vera')).body.items;
    assert.deepEqual(entry.after, { password: '***' });
    assert.ok(!JSON.stringify(entry).includes('brand new'));
  });

  it('answers 404 for an unknown user and 400 for an empty change', async () => {
    const unknown = await harness.as(root, 'PATCH', '/users/00000000-0000-0000-0000-000000000000', {
      body: { role: 'viewer' },
    });
    assert.equal(unknown.status, 404);
    const empty = await harness.as(root, 'PATCH', `/users/${await idOf('root')}`, { body: {} });
    assert.equal(empty.status, 400);
    assert.deepEqual(empty.body.error.problems, ['(body): nothing to change']);
  });
  it('keeps one active super-admin: the last cannot be demoted or disabled, two demoting each other at once leave one', async () => {
    const rootId = await idOf('root');
    for (const body of [{ role: 'operator' }, { disabled: true }]) {
      const refused = await harness.as(root, 'PATCH', `/users/${rootId}`, { body });
      assert.equal(refused.status, 409, JSON.stringify(body));
      assert.equal(refused.body.error.code, 'conflict');
    }
    const second = await harness.as(root, 'POST', '/users', {
      body: { username: 'root2', role: 'super-admin', password: 'second admin pass' },
    });
    const root2 = await harness.signIn('root2', 'second admin pass');
    const answers = await Promise.all([
      harness.as(root, 'PATCH', `/users/${second.body.user.id}`, { body: { role: 'viewer' } }),
      harness.as(root2, 'PATCH', `/users/${rootId}`, { body: { role: 'viewer' } }),
    ]);
    // One demotion lands. The other is refused: 409 when both were checked before either landed
    // (the last active super-admin is kept), 403 when its sender had already been demoted.
    const [won, lost] = answers[0]?.status === 200 ? answers : [answers[1], answers[0]];
    assert.equal(won?.status, 200, JSON.stringify(answers.map((a) => a.body)));
    if (lost?.status === 403) assert.match(lost.body.error.message, /your role \(viewer\) may not/);
    else assert.equal(lost?.status, 409, JSON.stringify(lost?.body));
    const list = await harness.as(answers[0]?.status === 200 ? root : root2, 'GET', '/users');
    const admins = list.body.items.filter(
      (u: { role: string; disabled: boolean }) => u.role === 'super-admin' && !u.disabled,
    );
    assert.equal(admins.length, 1);
  });
});
