import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/errors/app-error.js';
import { isKnownEvent } from '../../../src/wechat/message-events.js';
import { parseMessageXml } from '../../../src/wechat/messages.js';
import { body, event, isAppError } from './support.js';

describe('wechat/messages parseMessage', () => {
  describe('events', () => {
    it('strips qrscene_ from a subscribe-by-QR EventKey into scene and keeps the Ticket', () => {
      const msg = event(
        'subscribe',
        '<EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>',
      );
      assert.ok(msg.kind === 'event' && msg.event === 'subscribe');
      assert.equal((msg as { scene?: string }).scene, '123123');
      assert.equal((msg as { ticket?: string }).ticket, 'TICKET');
    });

    it('leaves scene unset on a plain subscribe with an empty EventKey', () => {
      const msg = event('subscribe', '<EventKey><![CDATA[]]></EventKey>');
      assert.ok(msg.kind === 'event' && msg.event === 'subscribe');
      assert.equal('scene' in msg, false);
    });

    it('types unsubscribe', () => {
      assert.equal((event('unsubscribe') as { event: string }).event, 'unsubscribe');
    });

    it('keeps the raw scene of a SCAN by a follower', () => {
      const msg = event('SCAN', '<EventKey>SCENE_VALUE</EventKey><Ticket>T</Ticket>');
      assert.ok(msg.kind === 'event' && msg.event === 'SCAN');
      assert.equal((msg as { scene: string }).scene, 'SCENE_VALUE');
    });

    it('reads LOCATION coordinates as numbers', () => {
      const msg = event(
        'LOCATION',
        '<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>',
      );
      assert.ok(msg.kind === 'event' && msg.event === 'LOCATION');
      const location = msg as { latitude: number; longitude: number; precision: number };
      assert.deepEqual([location.latitude, location.longitude, location.precision], [23.137466, 113.352425, 119.38504]);
    });

    it('types CLICK with its EventKey and VIEW with its MenuId', () => {
      const click = event('CLICK', '<EventKey>V1001_TODAY_MUSIC</EventKey>');
      assert.deepEqual(
        [(click as { event: string }).event, (click as { eventKey: string }).eventKey],
        ['CLICK', 'V1001_TODAY_MUSIC'],
      );
      const view = event('VIEW', '<EventKey>http://www.qq.com/</EventKey><MenuId>MENUID</MenuId>');
      assert.equal((view as { menuId?: string }).menuId, 'MENUID');
      assert.equal((view as { eventKey: string }).eventKey, 'http://www.qq.com/');
    });

    it('exposes ScanCodeInfo.ScanResult of scancode_push and scancode_waitmsg', () => {
      for (const name of ['scancode_push', 'scancode_waitmsg']) {
        const msg = event(
          name,
          '<EventKey>6</EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>' +
            '<ScanResult><![CDATA[https://example.com/?a=1&b=2]]></ScanResult></ScanCodeInfo>',
        );
        const menu = msg as { event: string; scanType?: string; scanResult?: string };
        assert.deepEqual(
          [menu.event, menu.scanType, menu.scanResult],
          [name, 'qrcode', 'https://example.com/?a=1&b=2'],
        );
        assert.deepEqual(JSON.parse(msg.fields['ScanCodeInfo'] ?? ''), {
          ScanType: 'qrcode',
          ScanResult: 'https://example.com/?a=1&b=2',
        });
      }
    });

    it('exposes SendPicsInfo.Count of the pic_* events and keeps the list in fields', () => {
      for (const name of ['pic_sysphoto', 'pic_photo_or_album', 'pic_weixin']) {
        const msg = event(
          name,
          '<EventKey>6</EventKey><SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum>' +
            '<![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item></PicList></SendPicsInfo>',
        );
        assert.equal((msg as { picCount?: number }).picCount, 1);
        assert.match(msg.fields['SendPicsInfo'] ?? '', /1b5f7c23b5bf75682a53e7b6d163e185/);
      }
    });

    it('types location_select and view_miniprogram as menu events', () => {
      const select = event(
        'location_select',
        '<EventKey>6</EventKey><SendLocationInfo><Label>x</Label></SendLocationInfo>',
      );
      assert.equal((select as { event: string }).event, 'location_select');
      assert.equal(JSON.parse(select.fields['SendLocationInfo'] ?? '').Label, 'x');
      const mini = event('view_miniprogram', '<EventKey>pages/index</EventKey><MenuId>42</MenuId>');
      assert.deepEqual(
        [(mini as { eventKey: string }).eventKey, (mini as { menuId?: string }).menuId],
        ['pages/index', '42'],
      );
    });

    it('reads MsgID (capital D) and Status of TEMPLATESENDJOBFINISH and MASSSENDJOBFINISH', () => {
      const template = event(
        'TEMPLATESENDJOBFINISH',
        '<MsgID>200163836</MsgID><Status><![CDATA[failed:user block]]></Status>',
      );
      assert.ok(template.kind === 'event' && template.event === 'TEMPLATESENDJOBFINISH');
      assert.deepEqual(
        [(template as { msgId: string }).msgId, (template as { status: string }).status],
        ['200163836', 'failed:user block'],
      );
      const mass = event(
        'MASSSENDJOBFINISH',
        '<MsgID>1988</MsgID><Status>send success</Status><TotalCount>100</TotalCount>',
      );
      assert.equal((mass as { msgId: string }).msgId, '1988');
      assert.equal((mass as { status: string }).status, 'send success');
      assert.equal(mass.fields['TotalCount'], '100');
    });

    it('types a TEMPLATESENDJOBFINISH as exactly the base, kind, event, MsgID and Status (nothing else)', () => {
      const template = event('TEMPLATESENDJOBFINISH', '<MsgID> 200163836 </MsgID><Status>success</Status>');
      assert.deepStrictEqual(
        { ...template, fields: {} },
        {
          toUserName: template.toUserName,
          fromUserName: template.fromUserName,
          createTime: template.createTime,
          fields: {},
          kind: 'event',
          event: 'TEMPLATESENDJOBFINISH',
          msgId: '200163836',
          status: 'success',
        },
      );
      assert.deepEqual(Object.keys(template), [
        'toUserName',
        'fromUserName',
        'createTime',
        'fields',
        'kind',
        'event',
        'msgId',
        'status',
      ]);
      assert.equal(template.fields['MsgID'], ' 200163836 ');
    });

    it("reads MASSSENDJOBFINISH's run-together sendsuccess / sendfail as the reference's send success / send fail", () => {
      const statusOf = (name: string, status: string) =>
        (event(name, `<MsgID>1988</MsgID><Status><![CDATA[${status}]]></Status>`) as { status: string }).status;
      assert.deepEqual(
        ['sendsuccess', 'send success', 'sendfail', 'send fail', 'err(30003)'].map((s) =>
          statusOf('MASSSENDJOBFINISH', s),
        ),
        ['send success', 'send success', 'send fail', 'send fail', 'err(30003)'],
      );
      // A template receipt's status is its own vocabulary (success, failed:user block, …): left as sent.
      assert.equal(statusOf('TEMPLATESENDJOBFINISH', 'sendsuccess'), 'sendsuccess');
    });

    it('matches event names case-insensitively and reports the documented casing', () => {
      assert.equal((event('scan', '<EventKey>1</EventKey>') as { event: string }).event, 'SCAN');
      assert.equal((event('click', '<EventKey>k</EventKey>') as { event: string }).event, 'CLICK');
    });

    it('preserves an unknown event with its raw name, EventKey and fields', () => {
      const msg = event(
        'subscribe_msg_popup_event',
        '<EventKey>k</EventKey><SubscribeMsgPopupEvent>x</SubscribeMsgPopupEvent>',
      );
      assert.ok(msg.kind === 'event');
      assert.equal(msg.event, 'subscribe_msg_popup_event');
      assert.equal((msg as { eventKey?: string }).eventKey, 'k');
      assert.equal(msg.fields['SubscribeMsgPopupEvent'], 'x');
    });

    it('refuses an event push without an Event element', () => {
      assert.throws(() => parseMessageXml(body('<MsgType>event</MsgType>')), isAppError(ErrorCode.xmlInvalid, /Event/));
    });
  });
});

describe('wechat/message-events isKnownEvent', () => {
  it('is true for a documented event in its documented casing only', () => {
    for (const name of [
      'subscribe',
      'unsubscribe',
      'SCAN',
      'LOCATION',
      'CLICK',
      'VIEW',
      'TEMPLATESENDJOBFINISH',
      'MASSSENDJOBFINISH',
      'scancode_push',
      'view_miniprogram',
    ]) {
      assert.equal(isKnownEvent(name), true, name);
    }
    for (const name of [
      'scan',
      'click',
      'Subscribe',
      'templatesendjobfinish',
      'subscribe_msg_popup_event',
      '',
      'constructor',
      '__proto__',
    ]) {
      assert.equal(isKnownEvent(name), false, name);
    }
  });
});
