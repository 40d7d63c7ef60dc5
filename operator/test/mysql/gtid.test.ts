import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  countGtids,
  describeGtidSet,
  errantTransactions,
  formatMariadbPosition,
  formatMysqlGtidSet,
  GtidParseError,
  type GtidSet,
  gtidSetFrom,
  gtidSetsEqual,
  isCaughtUp,
  isEmptyGtidSet,
  isGtidSubset,
  missingOwnTransactions,
  parseMariadbGtidSet,
  parseMariadbPosition,
  parseMysqlGtidSet,
  subtractGtidSets,
  unionGtidSets,
} from '../../src/mysql/index.js';

const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const B = '8a94f357-aab4-11df-86ab-c80aa9429562';

describe('GTID arithmetic', () => {
  describe('MySQL interval sets', () => {
    const cases: readonly { name: string; text: string; printed: string; count: number }[] = [
      { name: 'empty', text: '', printed: '', count: 0 },
      { name: 'single transaction', text: `${A}:5`, printed: `${A}:5`, count: 1 },
      { name: 'adjacent ranges merge', text: `${A}:1-3:4-6`, printed: `${A}:1-6`, count: 6 },
      { name: 'overlapping ranges merge', text: `${A}:5-9:1-6`, printed: `${A}:1-9`, count: 9 },
      { name: 'gaps are kept', text: `${A}:1-5:7-9:11`, printed: `${A}:1-5:7-9:11`, count: 9 },
      { name: 'two sources, newline after comma', text: `${B}:1-3,\n${A}:1-2`, printed: `${A}:1-2,${B}:1-3`, count: 5 },
      { name: 'same source twice unions', text: `${A}:1-2,${A}:3-4`, printed: `${A}:1-4`, count: 4 },
      { name: 'upper-case uuid is folded', text: `${A.toUpperCase()}:1`, printed: `${A}:1`, count: 1 },
      {
        name: '8.4 tagged GTIDs are their own source',
        text: `${A}:1-2:batch:1-3`,
        printed: `${A}:1-2,${A}:batch:1-3`,
        count: 5,
      },
    ];
    for (const c of cases) {
      it(`parses and prints: ${c.name}`, () => {
        const set = parseMysqlGtidSet(c.text);
        assert.equal(formatMysqlGtidSet(set), c.printed);
        assert.equal(countGtids(set), c.count);
      });
    }

    for (const bad of ['not-a-uuid:1', `${A}:0`, `${A}:5-3`, `${A}:x-y`]) {
      it(`rejects ${JSON.stringify(bad)} instead of guessing`, () => {
        assert.throws(() => parseMysqlGtidSet(bad), GtidParseError);
      });
    }

    const algebra: readonly { name: string; a: string; b: string; aMinusB: string; subset: boolean }[] = [
      { name: 'equal sets', a: `${A}:1-10`, b: `${A}:1-10`, aMinusB: '', subset: true },
      { name: 'b ahead', a: `${A}:1-10`, b: `${A}:1-20`, aMinusB: '', subset: true },
      {
        name: 'a ahead on its own source',
        a: `${A}:1-12,${B}:1-5`,
        b: `${A}:1-10,${B}:1-5`,
        aMinusB: `${A}:11-12`,
        subset: false,
      },
      { name: 'hole in the middle', a: `${A}:1-10`, b: `${A}:1-4:6-10`, aMinusB: `${A}:5`, subset: false },
      { name: 'source b never saw', a: `${A}:1-3,${B}:7-8`, b: `${A}:1-3`, aMinusB: `${B}:7-8`, subset: false },
      {
        name: 'several holes across sources',
        a: `${A}:1-20,${B}:1-9`,
        b: `${A}:2-5:10-19,${B}:1-3:5-9`,
        aMinusB: `${A}:1:6-9:20,${B}:4`,
        subset: false,
      },
    ];
    for (const c of algebra) {
      it(`subtracts and compares: ${c.name}`, () => {
        const a = parseMysqlGtidSet(c.a);
        const b = parseMysqlGtidSet(c.b);
        assert.equal(formatMysqlGtidSet(subtractGtidSets(a, b)), c.aMinusB);
        assert.equal(isGtidSubset(a, b), c.subset);
      });
    }
  });

  describe('MariaDB positions', () => {
    it('parses a multi-domain position into per-domain prefixes', () => {
      const position = parseMariadbPosition('2-2-40, 1-1-100,0-1-7');
      assert.deepEqual(position, [
        { domain: 0, server: 1, seq: 7 },
        { domain: 1, server: 1, seq: 100 },
        { domain: 2, server: 2, seq: 40 },
      ]);
      assert.equal(formatMariadbPosition(position), '0-1-7,1-1-100,2-2-40');
      assert.equal(describeGtidSet(parseMariadbGtidSet('2-2-40,1-1-100')), '1:1-100,2:1-40');
    });

    it('rejects malformed entries and a domain listed twice', () => {
      assert.throws(() => parseMariadbGtidSet('1-1'), GtidParseError);
      assert.throws(() => parseMariadbGtidSet('1-1-5,1-2-6'), GtidParseError);
    });

    const cases: readonly { name: string; returning: string; survivor: string; errant: string }[] = [
      {
        name: 'returning pod behind in every domain',
        returning: '1-1-100,2-2-5',
        survivor: '1-1-100,2-2-9',
        errant: '',
      },
      {
        name: 'returning pod wrote while isolated',
        returning: '1-1-105,2-2-5',
        survivor: '1-1-100,2-2-9',
        errant: '1:101-105',
      },
      { name: 'a domain the survivor never saw', returning: '1-1-3,3-3-2', survivor: '1-1-3', errant: '3:1-2' },
      { name: 'empty returning pod', returning: '', survivor: '1-1-3', errant: '' },
    ];
    for (const c of cases) {
      it(`finds errant transactions: ${c.name}`, () => {
        const errant = errantTransactions(parseMariadbGtidSet(c.returning), parseMariadbGtidSet(c.survivor));
        assert.equal(describeGtidSet(errant), c.errant);
      });
    }

    it('finds own transactions a returning pod lost but the survivor has, ignoring other domains', () => {
      const survivor = parseMariadbGtidSet('1-1-100,2-2-30');
      assert.equal(
        describeGtidSet(missingOwnTransactions(parseMariadbGtidSet('1-1-97,2-2-5'), survivor, '1')),
        '1:98-100',
      );
      assert.equal(describeGtidSet(missingOwnTransactions(parseMariadbGtidSet('1-1-100,2-2-5'), survivor, '1')), '');
      assert.equal(describeGtidSet(missingOwnTransactions(parseMariadbGtidSet('1-1-100'), survivor, '3')), '');
    });

    it('is caught up only when the passive holds every domain of the writer up to its position', () => {
      const writer = parseMariadbGtidSet('1-1-100,2-2-9');
      assert.equal(isCaughtUp(parseMariadbGtidSet('1-1-100,2-2-9'), writer), true);
      assert.equal(isCaughtUp(parseMariadbGtidSet('1-1-120,2-2-9'), writer), true);
      assert.equal(isCaughtUp(parseMariadbGtidSet('1-1-99,2-2-9'), writer), false);
      assert.equal(isCaughtUp(parseMariadbGtidSet('1-1-100'), writer), false);
    });
  });

  describe('properties', () => {
    const key = fc.constantFrom(A, B, '1', '2');
    const interval = fc
      .tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 8 }))
      .map(([s, len]) => [s, s + len] as const);
    const gtidSet: fc.Arbitrary<GtidSet> = fc
      .array(fc.tuple(key, fc.array(interval, { maxLength: 4 })), { maxLength: 4 })
      .map((entries) => gtidSetFrom(entries));

    it('subset is reflexive', () => {
      fc.assert(fc.property(gtidSet, (a) => isGtidSubset(a, a)));
    });
    it('subset is transitive', () => {
      fc.assert(
        fc.property(gtidSet, gtidSet, gtidSet, (a, b, c) => {
          const ab = unionGtidSets(a, b);
          const abc = unionGtidSets(ab, c);
          return isGtidSubset(a, ab) && isGtidSubset(ab, abc) && isGtidSubset(a, abc);
        }),
      );
      fc.assert(
        fc.property(
          gtidSet,
          gtidSet,
          gtidSet,
          (a, b, c) => !(isGtidSubset(a, b) && isGtidSubset(b, c)) || isGtidSubset(a, c),
        ),
      );
    });
    it('A − A is empty', () => {
      fc.assert(fc.property(gtidSet, (a) => isEmptyGtidSet(subtractGtidSets(a, a))));
    });
    it('A ⊆ A ∪ B and B ⊆ A ∪ B', () => {
      fc.assert(
        fc.property(
          gtidSet,
          gtidSet,
          (a, b) => isGtidSubset(a, unionGtidSets(a, b)) && isGtidSubset(b, unionGtidSets(a, b)),
        ),
      );
    });
    it('(A − B) ∪ B = A ∪ B, and A − B shares nothing with B', () => {
      fc.assert(
        fc.property(gtidSet, gtidSet, (a, b) => {
          const diff = subtractGtidSets(a, b);
          return (
            gtidSetsEqual(unionGtidSets(diff, b), unionGtidSets(a, b)) && gtidSetsEqual(subtractGtidSets(diff, b), diff)
          );
        }),
      );
    });
    it('subtraction, union and subset agree with a transaction-by-transaction model', () => {
      const expand = (set: GtidSet) => {
        const out = new Set<string>();
        for (const [k, intervals] of set)
          for (const [s, e] of intervals) for (let n = s; n <= e; n += 1) out.add(`${k}#${n}`);
        return out;
      };
      fc.assert(
        fc.property(gtidSet, gtidSet, (a, b) => {
          const ea = expand(a);
          const eb = expand(b);
          const diff = [...ea].filter((x) => !eb.has(x)).sort();
          const union = [...new Set([...ea, ...eb])].sort();
          return (
            JSON.stringify([...expand(subtractGtidSets(a, b))].sort()) === JSON.stringify(diff) &&
            JSON.stringify([...expand(unionGtidSets(a, b))].sort()) === JSON.stringify(union) &&
            isGtidSubset(a, b) === (diff.length === 0)
          );
        }),
      );
    });
    it('MySQL printing round-trips through parsing', () => {
      const uuidSet = fc
        .array(fc.tuple(fc.constantFrom(A, B), fc.array(interval, { maxLength: 4 })), { maxLength: 3 })
        .map((entries) => gtidSetFrom(entries));
      fc.assert(fc.property(uuidSet, (a) => gtidSetsEqual(parseMysqlGtidSet(formatMysqlGtidSet(a)), a)));
    });
  });
});
