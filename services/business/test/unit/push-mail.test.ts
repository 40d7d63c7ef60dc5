import assert from 'node:assert/strict';
import { loadBusinessConfig } from '../../src/config.js';
import { failureReportUrl } from '../../src/mail/push-mail.js';

describe('the push e-mail’s failure-report link', () => {
  const listen = 'http://0.0.0.0:8080';

  it('goes through the console when its URL is known (signed in: the report holds openids)', () => {
    for (const consoleUrl of ['https://wx.example.com/admin/', 'https://wx.example.com/admin']) {
      assert.equal(
        failureReportUrl({ consoleUrl, publicUrl: 'https://business.internal', listen }, 42),
        'https://wx.example.com/admin/api/outbound/pushes/42/failures.csv',
      );
    }
  });

  it('else this service’s own API at its public URL, else at its listen address', () => {
    assert.equal(
      failureReportUrl({ consoleUrl: undefined, publicUrl: 'https://console.example.com/outbound/', listen }, 7),
      'https://console.example.com/outbound/api/pushes/7/failures.csv',
    );
    assert.equal(
      failureReportUrl({ consoleUrl: undefined, publicUrl: undefined, listen }, 7),
      'http://0.0.0.0:8080/api/pushes/7/failures.csv',
    );
  });

  it('refuses a console or public URL that is no URL, naming the variable', () => {
    for (const name of ['MPSTACK_CONSOLE_URL', 'MPSTACK_BUSINESS_PUBLIC_URL']) {
      assert.throws(() => loadBusinessConfig({ [name]: 'wx.example.com/admin' }), new RegExp(name));
    }
    assert.equal(
      loadBusinessConfig({ MPSTACK_CONSOLE_URL: 'https://wx.example.com/admin/' }).consoleUrl,
      'https://wx.example.com/admin/',
    );
  });
});
