import assert from 'node:assert/strict';
import { MediaStore, temporaryMediaLifetimeMs } from '../../src/media/media-store.js';
import { type ApiHarness, startApi, startOfTest, testAccount, withApi } from '../helpers.js';

const account = testAccount();
const other = testAccount({ id: 'other', appId: 'wxother00000000001', appSecret: 'secret-other' });

function bytesOf(size: number, fill = 7): Uint8Array {
  return new Uint8Array(size).fill(fill);
}

/** A multipart upload with one file part (named `media` unless told), as WeChat's clients send it. */
async function upload(
  api: ApiHarness,
  path: string,
  file: { readonly name?: string; readonly filename: string; readonly bytes: Uint8Array } | undefined,
): Promise<Record<string, unknown>> {
  const form = new FormData();
  form.append('description', 'not the file');
  if (file !== undefined) form.append(file.name ?? 'media', new Blob([file.bytes]), file.filename);
  const response = await fetch(`${api.url}${path}`, { method: 'POST', body: form });
  return (await response.json()) as Record<string, unknown>;
}

describe('temporary media (media/upload, media/get)', () => {
  const stand = withApi([account, other]);

  const uploadTemp = (type: string, filename: string, bytes: Uint8Array) =>
    upload(stand.api, `/cgi-bin/media/upload?access_token=${stand.token}&type=${type}`, { filename, bytes });

  it('stores an image and answers { type, media_id, created_at }; media/get returns its bytes as an attachment', async () => {
    const bytes = bytesOf(1000, 3);
    const answer = await uploadTemp('image', 'photo.PNG', bytes);
    assert.equal(answer.errcode, 0);
    assert.equal(answer.type, 'image');
    assert.equal(answer.created_at, startOfTest / 1000);
    const mediaId = String(answer.media_id);
    assert.match(mediaId, /^[\w-]{64}$/);
    const response = await fetch(`${stand.api.url}/cgi-bin/media/get?access_token=${stand.token}&media_id=${mediaId}`);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.equal(response.headers.get('content-disposition'), `attachment; filename="${mediaId}.png"`);
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), bytes);
  });

  it('stores voice (amr, mp3) and returns it with an audio content type', async () => {
    for (const [filename, contentType] of [
      ['hello.amr', 'audio/amr'],
      ['hello.mp3', 'audio/mpeg'],
    ] as const) {
      const answer = await uploadTemp('voice', filename, bytesOf(2 * 1024 * 1024));
      assert.equal(answer.type, 'voice', filename);
      const response = await fetch(
        `${stand.api.url}/cgi-bin/media/get?access_token=${stand.token}&media_id=${answer.media_id}`,
      );
      assert.equal(response.headers.get('content-type'), contentType);
    }
  });

  it('answers a video with JSON { video_url }, a link that downloads its bytes', async () => {
    const bytes = bytesOf(10 * 1024 * 1024, 9);
    const answer = await uploadTemp('video', 'clip.mp4', bytes);
    assert.equal(answer.type, 'video');
    const got = await stand.api.get(`/cgi-bin/media/get?access_token=${stand.token}&media_id=${answer.media_id}`);
    assert.match(String(got.video_url), /^http:\/\/127\.0\.0\.1:\d+\/mmbiz\/video\//);
    const download = await fetch(String(got.video_url));
    assert.equal(download.headers.get('content-type'), 'video/mp4');
    assert.deepEqual(new Uint8Array(await download.arrayBuffer()), bytes);
    assert.equal((await fetch(`${stand.api.url}/mmbiz/video/unknown`)).status, 404);
  });

  it('answers a thumb as thumb_media_id without media_id (the reference’s quirk), up to 64 KB', async () => {
    const answer = await uploadTemp('thumb', 'cover.jpg', bytesOf(64 * 1024));
    assert.equal(answer.type, 'thumb');
    assert.equal(answer.media_id, undefined);
    const response = await fetch(
      `${stand.api.url}/cgi-bin/media/get?access_token=${stand.token}&media_id=${answer.thumb_media_id}`,
    );
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
  });

  it('refuses a type other than image, voice, video, thumb with 40004', async () => {
    for (const type of ['', 'file', 'news']) {
      assert.equal((await uploadTemp(type, 'a.jpg', bytesOf(10))).errcode, 40004, type);
    }
    const untyped = await upload(stand.api, `/cgi-bin/media/upload?access_token=${stand.token}`, {
      filename: 'a.jpg',
      bytes: bytesOf(10),
    });
    assert.equal(untyped.errcode, 40004);
  });

  it('answers 41005 without a `media` file part, 44001 for an empty file', async () => {
    const path = `/cgi-bin/media/upload?access_token=${stand.token}&type=image`;
    assert.equal((await upload(stand.api, path, undefined)).errcode, 41005);
    assert.equal(
      (await upload(stand.api, path, { name: 'file', filename: 'a.jpg', bytes: bytesOf(10) })).errcode,
      41005,
    );
    assert.equal((await stand.api.post(path, {})).errcode, 41005);
    assert.equal((await uploadTemp('image', 'a.jpg', new Uint8Array(0))).errcode, 44001);
  });

  it('refuses a file the type does not take, judged by its extension, with 40005', async () => {
    for (const [type, filename] of [
      ['image', 'a.bmp'],
      ['image', 'noextension'],
      ['voice', 'a.wav'],
      ['video', 'a.avi'],
      ['thumb', 'a.png'],
    ] as const) {
      assert.equal((await uploadTemp(type, filename, bytesOf(10))).errcode, 40005, `${type} ${filename}`);
    }
  });

  it('refuses a file past its type’s size limit with that type’s errcode (40009–40012)', async () => {
    for (const [type, filename, size, errcode] of [
      ['image', 'a.gif', 2 * 1024 * 1024 + 1, 40009],
      ['voice', 'a.mp3', 2 * 1024 * 1024 + 1, 40010],
      ['video', 'a.mp4', 10 * 1024 * 1024 + 1, 40011],
      ['thumb', 'a.jpeg', 64 * 1024 + 1, 40012],
    ] as const) {
      assert.equal((await uploadTemp(type, filename, bytesOf(size))).errcode, errcode, type);
    }
  });

  it('answers 40007 for an unknown media_id, another account’s, and one past its 3 days', async () => {
    const mediaId = String((await uploadTemp('image', 'a.jpg', bytesOf(10))).media_id);
    const get = async (accessToken: string, id: string) =>
      (await stand.api.get(`/cgi-bin/media/get?access_token=${accessToken}&media_id=${id}`)).errcode;
    assert.equal(await get(stand.token, 'unknown'), 40007);
    assert.equal(await get(stand.token, ''), 40007);
    assert.equal(await get(await stand.api.token(other), mediaId), 40007);
    stand.api.clock.advance(temporaryMediaLifetimeMs - 1);
    assert.equal(
      (await fetch(`${stand.api.url}/cgi-bin/media/get?access_token=${stand.token}&media_id=${mediaId}`)).status,
      200,
    );
    stand.api.clock.advance(1);
    assert.equal(await get(await stand.api.token(account), mediaId), 40007);
  });

  it('checks the access_token first (41001), and forgets media on reset', async () => {
    assert.equal((await upload(stand.api, '/cgi-bin/media/upload?type=image', undefined)).errcode, 41001);
    assert.equal((await stand.api.get('/cgi-bin/media/get?media_id=x')).errcode, 41001);
    await uploadTemp('image', 'a.jpg', bytesOf(10));
    assert.equal(stand.api.state.media.usage().files, 1);
    stand.api.state.reset();
    assert.deepEqual(stand.api.state.media.usage(), { files: 0, bytes: 0 });
  });
});

describe('media named by customer-service and mass messages', () => {
  const stand = withApi([account, other]);
  beforeEach(() => {
    stand.api.state.recordInteraction(account.appId, 'o_alice', 'message');
  });

  const uploaded = (type: 'image' | 'voice' | 'video', appId = account.appId) =>
    stand.api.state.media.add(
      appId,
      type,
      type === 'image' ? 'png' : type === 'voice' ? 'mp3' : 'mp4',
      Buffer.from('x'),
    ).mediaId;
  const errcodeOf = async (path: string, body: unknown) =>
    (await stand.api.post(`/cgi-bin/${path}?access_token=${stand.token}`, body)).errcode;
  const custom = (msgtype: string, content: Record<string, unknown>) =>
    errcodeOf('message/custom/send', { touser: 'o_alice', msgtype, [msgtype]: content });

  it('custom/send: an image, voice or video uploaded to the account goes out; an unknown, another account’s or expired one is 40007', async () => {
    assert.equal(await custom('image', { media_id: uploaded('image') }), 0);
    assert.equal(await custom('voice', { media_id: uploaded('voice') }), 0);
    assert.equal(await custom('video', { media_id: uploaded('video'), title: 't', description: 'd' }), 0);
    assert.equal(await custom('image', { media_id: 'never-uploaded' }), 40007);
    assert.equal(await custom('image', {}), 40007);
    assert.equal(await custom('voice', { media_id: uploaded('voice', other.appId) }), 40007);
    const soon = uploaded('image');
    stand.api.clock.advance(temporaryMediaLifetimeMs);
    stand.api.state.recordInteraction(account.appId, 'o_alice', 'message');
    stand.token = await stand.api.token(account);
    assert.equal(await custom('image', { media_id: soon }), 40007);
  });

  it('mass sendall / send / preview: images (media_ids, or the single image.media_id SDKs send) and voice must be uploaded (40007); articles are not checked', async () => {
    const all = { filter: { is_to_all: true } };
    const image = uploaded('image');
    assert.equal(
      await errcodeOf('message/mass/sendall', { ...all, msgtype: 'image', images: { media_ids: [image] } }),
      0,
    );
    assert.equal(await errcodeOf('message/mass/sendall', { ...all, msgtype: 'image', image: { media_id: image } }), 0);
    assert.equal(
      await errcodeOf('message/mass/sendall', { ...all, msgtype: 'image', images: { media_ids: [image, 'nope'] } }),
      40007,
    );
    assert.equal(
      await errcodeOf('message/mass/sendall', { ...all, msgtype: 'voice', voice: { media_id: 'nope' } }),
      40007,
    );
    assert.equal(
      await errcodeOf('message/mass/send', {
        touser: ['o_alice', 'o_bob'],
        msgtype: 'voice',
        voice: { media_id: 'x' },
      }),
      40007,
    );
    assert.equal(
      await errcodeOf('message/mass/send', {
        touser: ['o_alice', 'o_bob'],
        msgtype: 'voice',
        voice: { media_id: uploaded('voice') },
      }),
      0,
    );
    assert.equal(
      await errcodeOf('message/mass/preview', { touser: 'o_alice', msgtype: 'image', image: { media_id: 'x' } }),
      40007,
    );
    assert.equal(
      await errcodeOf('message/mass/preview', { touser: 'o_alice', msgtype: 'image', image: { media_id: image } }),
      0,
    );
    assert.equal(
      await errcodeOf('message/mass/sendall', { ...all, msgtype: 'mpnews', mpnews: { media_id: 'DRAFT' } }),
      0,
    );
  });
});

describe('media store bounds', () => {
  it('drops the oldest files past its count or byte cap, and expired files as it stores', () => {
    let now = startOfTest;
    const store = new MediaStore(() => now, { maxItems: 2, maxBytes: 100 });
    const first = store.add('wx1', 'image', 'jpg', Buffer.alloc(10));
    const second = store.add('wx1', 'image', 'jpg', Buffer.alloc(10));
    const third = store.add('wx1', 'image', 'jpg', Buffer.alloc(10));
    assert.equal(store.get('wx1', first.mediaId), undefined);
    assert.ok(store.get('wx1', second.mediaId) !== undefined && store.get('wx1', third.mediaId) !== undefined);
    store.add('wx1', 'video', 'mp4', Buffer.alloc(95));
    assert.deepEqual(store.usage(), { files: 1, bytes: 95 });
    now += temporaryMediaLifetimeMs;
    store.add('wx1', 'image', 'jpg', Buffer.alloc(1));
    assert.deepEqual(store.usage(), { files: 1, bytes: 1 });
  });
});

describe('article images (media/uploadimg)', () => {
  let api: ApiHarness;
  let path: string;
  before(async () => {
    api = await startApi([account]);
    path = `/cgi-bin/media/uploadimg?access_token=${await api.token(account)}`;
  });
  after(() => api.close());

  it('answers { url } on WeChat’s image CDN for a jpg or png under 1 MB', async () => {
    const jpg = await upload(api, path, { filename: 'a.jpg', bytes: bytesOf(1024 * 1024) });
    assert.equal(jpg.errcode, 0);
    assert.match(String(jpg.url), /^http:\/\/mmbiz\.qpic\.cn\/mmbiz_jpg\/[\w-]+\/0$/);
    const png = await upload(api, path, { filename: 'a.png', bytes: bytesOf(10) });
    assert.match(String(png.url), /^http:\/\/mmbiz\.qpic\.cn\/mmbiz_png\//);
  });

  it('refuses another format (40005), 1 MB and more (40009), no file (41005), no token (41001)', async () => {
    assert.equal((await upload(api, path, { filename: 'a.gif', bytes: bytesOf(10) })).errcode, 40005);
    assert.equal((await upload(api, path, { filename: 'a.png', bytes: bytesOf(1024 * 1024 + 1) })).errcode, 40009);
    assert.equal((await upload(api, path, undefined)).errcode, 41005);
    assert.equal((await upload(api, '/cgi-bin/media/uploadimg', undefined)).errcode, 41001);
  });
});

describe('typing indicator (message/custom/typing)', () => {
  const stand = withApi([account]);

  const typing = (touser: unknown, command: unknown) =>
    stand.api.post(`/cgi-bin/message/custom/typing?access_token=${stand.token}`, { touser, command });

  it('shows after a user interaction within 30 s, cannot be re-sent while showing (15 s), and cancels', async () => {
    stand.api.state.recordInteraction(account.appId, 'o_alice', 'message');
    stand.api.clock.advance(30_000);
    assert.equal((await typing('o_alice', 'Typing')).errcode, 0);
    assert.equal(stand.api.state.audience.isTyping(account.appId, 'o_alice'), true);
    assert.equal((await typing('o_alice', 'Typing')).errcode, 45081);
    assert.equal((await typing('o_alice', 'CancelTyping')).errcode, 0);
    assert.equal(stand.api.state.audience.isTyping(account.appId, 'o_alice'), false);
    assert.equal((await typing('o_alice', 'Typing')).errcode, 0);
    stand.api.state.recordInteraction(account.appId, 'o_alice', 'event');
    stand.api.clock.advance(15_000);
    assert.equal(stand.api.state.audience.isTyping(account.appId, 'o_alice'), false);
    assert.equal((await typing('o_alice', 'Typing')).errcode, 0);
  });

  it('answers 45080 without a user interaction in the previous 30 s', async () => {
    assert.equal((await typing('o_alice', 'Typing')).errcode, 45080);
    stand.api.state.recordInteraction(account.appId, 'o_alice', 'message');
    stand.api.clock.advance(30_001);
    assert.equal((await typing('o_alice', 'Typing')).errcode, 45080);
  });

  it('is cancelled by a customer-service message to the user', async () => {
    stand.api.state.recordInteraction(account.appId, 'o_alice', 'message');
    assert.equal((await typing('o_alice', 'Typing')).errcode, 0);
    const sent = await stand.api.post(`/cgi-bin/message/custom/send?access_token=${stand.token}`, {
      touser: 'o_alice',
      msgtype: 'text',
      text: { content: 'hi' },
    });
    assert.equal(sent.errcode, 0);
    assert.equal(stand.api.state.audience.isTyping(account.appId, 'o_alice'), false);
    assert.equal((await typing('o_alice', 'Typing')).errcode, 0);
  });

  it('refuses a bad command (45072), a missing or unknown user (40003), an unfollowed one (45015)', async () => {
    stand.api.state.recordInteraction(account.appId, 'o_alice', 'message');
    for (const command of ['typing', '', undefined, 1]) {
      assert.equal((await typing('o_alice', command)).errcode, 45072, String(command));
    }
    assert.equal((await typing(undefined, 'Typing')).errcode, 40003);
    assert.equal((await typing('', 'Typing')).errcode, 40003);
    assert.equal((await typing('o_nobody', 'Typing')).errcode, 40003);
    stand.api.state.audience.setSubscribed(account.appId, 'o_alice', false);
    assert.equal((await typing('o_alice', 'Typing')).errcode, 45015);
    assert.equal((await stand.api.post('/cgi-bin/message/custom/typing', {})).errcode, 41001);
    assert.equal(
      (await stand.api.post(`/cgi-bin/message/custom/typing?access_token=${stand.token}`, '')).errcode,
      44002,
    );
  });
});
