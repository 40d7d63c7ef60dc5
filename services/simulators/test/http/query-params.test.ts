import assert from 'node:assert/strict';
import { parse } from 'node:querystring';
import { firstParam, queryParams } from '../../src/http/api-http.js';

describe('queryParams (the hot path reads the query without parsing it whole)', () => {
  const names = ['access_token', 'openid', 'appid', 'a', ''];

  it('reads every parameter as querystring.parse and firstParam do, on made-up and edge-case queries', () => {
    const cases = [
      '',
      'access_token=ACCESS',
      'access_token',
      'access_token=',
      'access_token=&access_token=second',
      'a=1&a=2&openid=o_1',
      '=x&access_token=y',
      '&&access_token=z&',
      'access_token=a=b',
      'access_tokenX=1&access_token=2',
      'xaccess_token=1',
      'access_token=%41%42&openid=a+b',
      'access_token=%E4%B8%AD&appid=%ZZ',
      `${'&'.repeat(1000)}access_token=late`,
      `${'p=1&'.repeat(1000)}access_token=beyond`,
    ];
    for (const search of cases) {
      const query = parse(search);
      const read = queryParams(search);
      for (const name of names) assert.equal(read(name), firstParam(query, name), `${name} in ${search.slice(0, 60)}`);
    }
  });

  it('agrees with querystring on random queries', () => {
    const alphabet = ['a', 'p', 'openid', 'access_token', '=', '&', '&', '%41', '+', 'x'];
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const search = Array.from({ length: next(12) }, () => alphabet[next(alphabet.length)]).join('');
      const query = parse(search);
      const read = queryParams(search);
      for (const name of names) assert.equal(read(name), firstParam(query, name), `${name} in ${search}`);
    }
  });
});
