import assert from 'node:assert/strict';
import { decodeLogEvents, type MessageLogEvent, type QueuedLogEvent } from '../../../src/contracts/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { QueuePort } from '../../../src/ports/index.js';
import { LogSink } from '../../../src/runtime/log-sink.js';

/** A broker stand-in: keeps every published body; `isDown` refuses publishes. */
class RecordingQueue {
  readonly bodies: Buffer[] = [];
  isDown = false;

  isConnected(): boolean {
    return true;
  }

  async publish(_queue: string, body: Buffer): Promise<void> {
    if (this.isDown) throw new Error('broker down');
    // A copy, as the adapters take one: the sink must not change a body after publishing it.
    this.bodies.push(Buffer.from(body));
  }

  async declare(): Promise<void> {}

  /** Every published event, batch by batch, as the log service decodes them. */
  batches(): QueuedLogEvent[][] {
    return this.bodies.map((body) => {
      const { events, rejected } = decodeLogEvents(body);
      assert.deepEqual(rejected, []);
      return events;
    });
  }
}

function event(n: number, content = `text ${n}`): MessageLogEvent {
  return {
    type: 'message',
    id: `e${n}`,
    at: 1_700_000_000_000 + n,
    account: 'acct',
    openId: `oUser${n}`,
    msgType: 'text',
    event: undefined,
    msgId: String(10_000 + n),
    content,
    outcome: 'replied',
    decidedBy: 'rule:1',
    latencyMs: 1,
  };
}

function sinkOf(queue: RecordingQueue, options: { maxBatch?: number; maxBuffered?: number } = {}): LogSink {
  return new LogSink({
    queue: queue as unknown as QueuePort,
    logger: createLogger({ level: 'silent', service: 'test' }),
    ...options,
  });
}

const ids = (batch: readonly QueuedLogEvent[]) => batch.map((e) => e.id);

describe('LogSink', () => {
  it('publishes the recorded events as one JSON array, in order, non-ASCII text intact', async () => {
    const queue = new RecordingQueue();
    const sink = sinkOf(queue);
    sink.record(event(1, '查话费 📱'));
    sink.record(event(2, 'quote " backslash \\ newline \n'));
    sink.record(event(3));
    assert.equal(sink.buffered, 3);
    await sink.flush();
    assert.equal(sink.buffered, 0);
    const [batch] = queue.batches();
    assert.deepEqual(batch, [event(1, '查话费 📱'), event(2, 'quote " backslash \\ newline \n'), event(3)]);
  });

  it('splits at maxBatch events per publish, oldest first', async () => {
    const queue = new RecordingQueue();
    const sink = sinkOf(queue, { maxBatch: 2 });
    for (let n = 1; n <= 5; n++) sink.record(event(n));
    await sink.flush();
    assert.deepEqual(queue.batches().map(ids), [['e1', 'e2'], ['e3', 'e4'], ['e5']]);
  });

  it('publishes a full batch of ordinary events (1,000 with non-ASCII text) in one body', async () => {
    const queue = new RecordingQueue();
    const sink = sinkOf(queue);
    for (let n = 1; n <= 1000; n++) sink.record(event(n, `查话费 ${'x'.repeat(60)}`));
    await sink.flush();
    assert.equal(queue.bodies.length, 1);
    assert.equal(queue.batches()[0]?.length, 1000);
  });

  it('gives an event longer than a batch body a body of its own', async () => {
    const queue = new RecordingQueue();
    const sink = sinkOf(queue);
    const long = '长'.repeat(40_000);
    sink.record(event(1));
    sink.record(event(2, long));
    sink.record(event(3));
    await sink.flush();
    // Longer than the contract's content limit (the sink does not check events): plain JSON here.
    const events = queue.bodies.flatMap((body) => JSON.parse(body.toString('utf8')) as MessageLogEvent[]);
    assert.deepEqual(ids(events), ['e1', 'e2', 'e3']);
    assert.equal(events[1]?.content, long);
  });

  it('keeps the events of a batch the broker did not take for the next flush', async () => {
    const queue = new RecordingQueue();
    const sink = sinkOf(queue);
    queue.isDown = true;
    sink.record(event(1));
    await sink.flush();
    sink.record(event(2));
    assert.equal(sink.buffered, 2);
    queue.isDown = false;
    await sink.flush();
    assert.deepEqual(
      queue
        .batches()
        .flat()
        .map((e) => e.id),
      ['e1', 'e2'],
    );
    assert.equal(sink.buffered, 0);
  });

  it('drops exactly the oldest events beyond maxBuffered, within a batch and across batches', async () => {
    const queue = new RecordingQueue();
    const sink = sinkOf(queue, { maxBatch: 3, maxBuffered: 4 });
    queue.isDown = true;
    for (let n = 1; n <= 7; n++) sink.record(event(n));
    await sink.flush();
    // Held: 4 of 7 (e1..e3 dropped, the first batch whole, the next one from its start).
    assert.equal(sink.buffered, 4);
    queue.isDown = false;
    await sink.flush();
    assert.deepEqual(
      queue
        .batches()
        .flat()
        .map((e) => e.id),
      ['e4', 'e5', 'e6', 'e7'],
    );

    const partial = new RecordingQueue();
    const other = sinkOf(partial, { maxBatch: 10, maxBuffered: 3 });
    partial.isDown = true;
    for (let n = 1; n <= 5; n++) other.record(event(n));
    await other.flush();
    partial.isDown = false;
    await other.flush();
    assert.deepEqual(partial.batches().map(ids), [['e3', 'e4', 'e5']]);
  });
});
