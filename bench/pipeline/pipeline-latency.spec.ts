import {
  descriptorFor,
  latencySummary,
  normalisedItemId,
  PipelineLatencyRecorder,
  responseStatusOf,
  txnIdFromDescription,
} from './pipeline-latency';
import { ServerSentEventParser } from './sse-client';

function replied(repliedAtMs: number, responseStatus = '00', replyLatencyMs = 5) {
  return { kind: 'replied', responseStatus, repliedAtMs, replyLatencyMs } as const;
}

describe('PipelineLatencyRecorder', () => {
  it('measures reply → SSE by TXn_ID and reply → push by the item id the push collapses on', () => {
    const recorder = new PipelineLatencyRecorder();
    recorder.recordReply('100000000000001', replied(1_000));
    recorder.recordReply('100000000000002', replied(2_000));
    recorder.recordFeedItem(`${descriptorFor('100000000000001')} LONDON GB`, 'tx_11', 1_012);
    recorder.recordFeedItem(`${descriptorFor('100000000000002')} LONDON GB`, 'tx_22', 2_030);
    recorder.recordPushAccepted('tx_11', 1_040);
    recorder.recordPushAccepted('tx_22', 2_090);

    const summary = recorder.summary();

    expect(summary.approved).toBe(2);
    expect(summary.replyToFeed).toMatchObject({ count: 2, p50Ms: 12, p99Ms: 30, maxMs: 30 });
    expect(summary.replyToPush).toMatchObject({ count: 2, p50Ms: 40, p99Ms: 90, maxMs: 90 });
    expect(summary.missingFeedItems).toBe(0);
    expect(summary.missingPushes).toBe(0);
  });

  it('splits the time by hop from the wall-clock stamps the item carries', () => {
    const recorder = new PipelineLatencyRecorder();
    recorder.recordReply('42', replied(100));
    recorder.recordFeedItem(descriptorFor('42'), 'tx_4', 130, {
      createdAtMs: 1_000,
      updatedAtMs: 1_025,
      arrivedAtMs: 1_027,
    });
    recorder.recordPushAccepted('tx_4', 160, 1_058);

    const hops = recorder.summary().hops;

    expect(hops.eventToFeedWrite.p50Ms).toBe(25);
    expect(hops.feedWriteToSse.p50Ms).toBe(2);
    expect(hops.feedWriteToPush.p50Ms).toBe(33);
  });

  it('splits the Kafka hops from produce timestamps, over every approved payment', () => {
    const recorder = new PipelineLatencyRecorder();
    recorder.recordReply('5', replied(0), false);
    recorder.recordReply('6', replied(0, '51'), false);
    recorder.recordBusMessage('5', 'authorization', 1_040, 1_000);
    recorder.recordBusMessage('5', 'authorization', 1_900, 1_000);
    recorder.recordBusMessage('5', 'enrichment', 1_100, 0);
    recorder.recordBusMessage('6', 'authorization', 1_040, 1_000);

    const hops = recorder.summary().hops;

    expect(hops.eventToAuthorizationTopic).toMatchObject({ count: 1, p50Ms: 40 });
    expect(hops.authorizationToEnrichmentTopic).toMatchObject({ count: 1, p50Ms: 60 });
  });

  it('takes the first sighting of an item, whatever order the sightings come in', () => {
    const recorder = new PipelineLatencyRecorder();
    // The push and the SSE event are seen before the reply reaches the client.
    recorder.recordPushAccepted('tx_7', 508);
    recorder.recordFeedItem(descriptorFor('700000000000007'), '7', 505);
    recorder.recordReply('700000000000007', replied(510));
    // The enriched update re-sends the item later; it is not a new arrival, nor a second push.
    recorder.recordFeedItem(descriptorFor('700000000000007'), 'tx_7', 900);
    recorder.recordPushAccepted('tx_7', 950);

    const summary = recorder.summary();

    expect(summary.replyToFeed).toMatchObject({ count: 1, p50Ms: -5, negativeCount: 1 });
    expect(summary.replyToPush).toMatchObject({ count: 1, p50Ms: -2, negativeCount: 1 });
  });

  it('counts approved payments with no item or no push as missing, and ignores declines', () => {
    const recorder = new PipelineLatencyRecorder();
    recorder.recordReply('1', replied(0));
    recorder.recordReply('2', replied(0));
    recorder.recordReply('3', replied(0, '51'));
    recorder.recordReply('4', replied(0, '91'));
    recorder.recordReply('5', { kind: 'failed' });
    recorder.recordFeedItem(descriptorFor('1'), 'tx_1', 10);
    recorder.recordFeedItem('CORNER SHOP LONDON GB', 'tx_99', 10);

    expect(recorder.outstanding()).toEqual({ feed: 1, push: 2 });
    const summary = recorder.summary();
    expect(summary).toMatchObject({
      sent: 5,
      failedSends: 1,
      missedDeadlines: 1,
      approved: 2,
      missingFeedItems: 1,
      missingPushes: 2,
      unmatchedFeedItems: 1,
      firstUnmatchedDescription: 'CORNER SHOP LONDON GB',
    });
    expect(summary.reply.count).toBe(4);
  });

  it('counts approvals of unobserved accounts without expecting their item or push', () => {
    const recorder = new PipelineLatencyRecorder();
    recorder.recordReply('1', replied(0), true);
    recorder.recordReply('2', replied(0), false);
    recorder.recordFeedItem(descriptorFor('1'), 'tx_1', 10);
    recorder.recordPushAccepted('tx_1', 20);

    expect(recorder.outstanding()).toEqual({ feed: 0, push: 0 });
    expect(recorder.summary()).toMatchObject({
      approved: 2,
      observedApproved: 1,
      missingFeedItems: 0,
      missingPushes: 0,
    });
  });
});

describe('latencySummary', () => {
  it('uses nearest-rank percentiles', () => {
    const latencies = Array.from({ length: 200 }, (_, index) => index + 1);

    expect(latencySummary(latencies)).toEqual({
      count: 200,
      p50Ms: 100,
      p99Ms: 198,
      maxMs: 200,
      negativeCount: 0,
    });
  });

  it('reports no percentiles for no samples', () => {
    const summary = latencySummary([]);

    expect(summary.count).toBe(0);
    expect(summary.p50Ms).toBeNaN();
    expect(summary.maxMs).toBeNaN();
  });
});

describe('descriptors and replies', () => {
  it('spells a TXn_ID in letters the gateway does not redact, and reads it back', () => {
    expect(descriptorFor('0123456789')).toBe('PIPEABCDEFGHIJ');
    expect(txnIdFromDescription('PIPEABCDEFGHIJ LONDON GB')).toBe('0123456789');
    expect(txnIdFromDescription('PIPE [redacted] LONDON GB')).toBeUndefined();
    expect(() => descriptorFor('12a')).toThrow(RangeError);
  });

  it('normalises feed transaction ids to the bare snowflake', () => {
    expect(normalisedItemId('tx_123')).toBe('123');
    expect(normalisedItemId('123')).toBe('123');
  });

  it('reads the Responsestatus of a reply, with or without a namespace prefix', () => {
    expect(responseStatusOf('<a:Responsestatus>00</a:Responsestatus>')).toBe('00');
    expect(responseStatusOf('<Responsestatus>91</Responsestatus>')).toBe('91');
    expect(responseStatusOf('<Fault/>')).toBeUndefined();
  });
});

describe('ServerSentEventParser', () => {
  it('assembles events split across chunks, skips comments and keeps the last id', () => {
    const parser = new ServerSentEventParser();

    expect(parser.push(': connected\n\nid: 1\nevent: feed_item\nda')).toEqual([]);
    const first = parser.push('ta: {"a":1}\n\n: heartbeat\n\n');
    const second = parser.push('data: x\r\ndata: y\r\n\r\n');

    expect(first).toEqual([{ id: '1', event: 'feed_item', data: '{"a":1}' }]);
    expect(second).toEqual([{ id: '1', event: 'message', data: 'x\ny' }]);
  });

  it('refuses a line longer than its bound instead of buffering it', () => {
    const parser = new ServerSentEventParser(8);

    expect(() => parser.push('data: 0123456789')).toThrow(/longer than 8/);
  });
});
