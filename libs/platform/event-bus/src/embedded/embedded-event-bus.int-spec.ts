import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { ManualClock } from '@corebank/platform-clock';
import { isPlatformError } from '@corebank/platform-errors';

import { DEAD_LETTER_HEADERS } from '../delivery/deliver-message';
import { encodeEnvelope } from '../envelope/envelope';
import type { EventEnvelope, EventHandler } from '../event-bus.port';
import type { EmbeddedEventBusConfigInput } from './embedded-config';
import { EmbeddedEventBus } from './embedded-event-bus';

const TOPIC = 'ledger.transfer.posted.v1';

function event(sequence: number, key = `account-${sequence % 4}`): EventEnvelope {
  return {
    id: String(7_000_000 + sequence),
    type: 'ledger.transfer.posted.v1',
    version: 1,
    occurredAt: new Date(Date.UTC(2026, 10, 22, 0, 0, 0, sequence)).toISOString(),
    key,
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    data: { sequence },
  };
}

function range(count: number, from = 0): EventEnvelope[] {
  return Array.from({ length: count }, (_unused, index) => event(from + index));
}

/** Polls (bounded) until the condition holds; fails the test with `what` otherwise. */
async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function recorder(): { handler: EventHandler; ids: string[] } {
  const ids: string[] = [];
  return {
    ids,
    handler: (received) => {
      ids.push(received.id);
      return Promise.resolve();
    },
  };
}

describe('EmbeddedEventBus (SQLite log)', () => {
  let directory: string;
  let path: string;
  const opened: EmbeddedEventBus[] = [];
  const logged: string[] = [];
  const logger = {
    warn: (message: string) => logged.push(`warn: ${message}`),
    error: (message: string) => logged.push(`error: ${message}`),
  };

  function open(overrides: Partial<EmbeddedEventBusConfigInput> = {}, clock?: ManualClock) {
    const bus = new EmbeddedEventBus(
      { path, pollIntervalMs: 10, commitIntervalMs: 1, ...overrides },
      clock === undefined ? { logger } : { clock, logger },
    );
    opened.push(bus);
    return bus;
  }

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'corebank-bus-'));
    path = join(directory, 'bus.sqlite');
    logged.length = 0;
  });

  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((bus) => bus.close()));
    rmSync(directory, { recursive: true, force: true });
  });

  it('delivers the published envelope with its position, and wakes the consumer without polling', async () => {
    // A 5 s poll interval: only the in-process wake-up can deliver within the wait below.
    const sut = open({ pollIntervalMs: 5_000 });
    const received: Array<[EventEnvelope, string]> = [];
    await sut.subscribe({
      topic: TOPIC,
      groupId: 'feed',
      handler: (envelope, context) => {
        received.push([envelope, `${context.topic}/${context.partition}/${context.attempt}`]);
        return Promise.resolve();
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sut.publish(TOPIC, [event(1)]);
    await waitFor('the event', () => received.length === 1, 2_000);
    expect(received[0]?.[0]).toEqual(event(1));
    expect(received[0]?.[1]).toMatch(new RegExp(`^${TOPIC}/[0-7]/1$`));
  });

  it('gives every group every event, each key in publish order', async () => {
    const sut = open();
    const feed = recorder();
    const notifications = recorder();
    await sut.subscribe({ topic: TOPIC, groupId: 'feed', handler: feed.handler });
    await sut.subscribe({ topic: TOPIC, groupId: 'notifications', handler: notifications.handler });
    await sut.publish(TOPIC, range(300));
    await waitFor('both groups', () => feed.ids.length === 300 && notifications.ids.length === 300);
    for (const ids of [feed.ids, notifications.ids]) {
      expect(new Set(ids).size).toBe(300);
      for (let key = 0; key < 4; key += 1) {
        const ofKey = ids.map(Number).filter((id) => (id - 7_000_000) % 4 === key);
        expect([...ofKey].sort((left, right) => left - right)).toEqual(ofKey);
      }
    }
  });

  it('resumes a group from its committed offsets when the file is opened again', async () => {
    const first = open();
    const before = recorder();
    const subscription = await first.subscribe({
      topic: TOPIC,
      groupId: 'feed',
      handler: before.handler,
    });
    await first.publish(TOPIC, range(100));
    await waitFor('the first 100', () => before.ids.length === 100);
    await subscription.stop();
    await first.publish(TOPIC, range(50, 100));
    await first.close();

    const second = open();
    const after = recorder();
    await second.subscribe({ topic: TOPIC, groupId: 'feed', handler: after.handler });
    await waitFor('the next 50', () => after.ids.length === 50);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(after.ids.map(Number).sort((left, right) => left - right)).toEqual(
      range(50, 100).map((published) => Number(published.id)),
    );
  });

  it('starts a new group at the oldest retained event', async () => {
    const sut = open();
    await sut.publish(TOPIC, range(20));
    const late = recorder();
    await sut.subscribe({ topic: TOPIC, groupId: 'late-joiner', handler: late.handler });
    await waitFor('the backlog', () => late.ids.length === 20);
  });

  it('allows one member per group and topic until it stops', async () => {
    const sut = open();
    const subscription = await sut.subscribe({
      topic: TOPIC,
      groupId: 'feed',
      handler: recorder().handler,
    });
    const second = sut.subscribe({ topic: TOPIC, groupId: 'feed', handler: recorder().handler });
    await expect(second).rejects.toMatchObject({ code: 'conflict.bus_group_member_active' });
    await subscription.stop();
    const again = await sut.subscribe({
      topic: TOPIC,
      groupId: 'feed',
      handler: recorder().handler,
    });
    await again.stop();
  });

  it('replaces a member row left by an earlier process that had the same pid', async () => {
    const sut = open();
    // What a container's pid 1 finds after a crash and restart: a fresh row with its own pid.
    await sut.publish(TOPIC, [event(1)]);
    const other = new Database(path);
    try {
      other
        .prepare(
          `INSERT INTO group_members (group_id, topic, member_id, pid, heartbeat_at_ms)
           VALUES ('feed', ?, 'member-of-the-previous-process', ?, ?)`,
        )
        .run(TOPIC, process.pid, Date.now());
    } finally {
      other.close();
    }
    const consumer = recorder();
    await sut.subscribe({ topic: TOPIC, groupId: 'feed', handler: consumer.handler });
    await waitFor('the event', () => consumer.ids.length === 1);
  });

  it('stops consuming when another process took over its group', async () => {
    const sut = open();
    const consumer = recorder();
    await sut.subscribe({ topic: TOPIC, groupId: 'feed', handler: consumer.handler });
    const other = new Database(path);
    try {
      other.prepare("UPDATE group_members SET member_id = 'member-of-another-process'").run();
    } finally {
      other.close();
    }
    // Heartbeats run every second; the second one at the latest finds the member replaced.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await sut.publish(TOPIC, [event(1)]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(consumer.ids).toEqual([]);
    expect(logged).toContain('error: embedded bus: group member replaced, subscription stopped');
  });

  it('dead-letters a message that is not an envelope and handles the next one of the key', async () => {
    const sut = open();
    const handled = recorder();
    const deadLetters: Array<{ key: string; attempts: string | undefined }> = [];
    await sut.subscribe({ topic: TOPIC, groupId: 'feed', handler: handled.handler });
    const good = encodeEnvelope(event(2, 'account-9'));
    await sut.publishRaw(TOPIC, [
      { key: 'account-9', value: Buffer.from('{"broken":'), headers: { 'event-type': 'x' } },
      good,
    ]);
    await waitFor('the valid event', () => handled.ids.length === 1);
    expect(handled.ids).toEqual([event(2).id]);

    const inspector = new Database(path, { readonly: true });
    try {
      const rows = inspector
        .prepare<[string], { message_key: string; headers_json: string; message_value: Buffer }>(
          'SELECT message_key, headers_json, message_value FROM messages WHERE topic = ?',
        )
        .all(`${TOPIC}.dead-letter`);
      for (const row of rows) {
        const headers = JSON.parse(row.headers_json) as Record<string, string>;
        expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('unparseable');
        expect(headers['event-type']).toBe('x');
        expect(row.message_value.toString()).toBe('{"broken":');
        deadLetters.push({ key: row.message_key, attempts: headers[DEAD_LETTER_HEADERS.attempts] });
      }
    } finally {
      inspector.close();
    }
    expect(deadLetters).toEqual([{ key: 'account-9', attempts: '0' }]);
  });

  it('refuses invalid events and topic names before writing anything', async () => {
    const sut = open();
    const broken = { ...event(1), type: 'NotAType' };
    await expect(sut.publish(TOPIC, [event(0), broken])).rejects.toMatchObject({
      code: 'invalid.event_envelope',
    });
    await expect(sut.publish('bad topic!', [event(0)])).rejects.toMatchObject({
      code: 'invalid.bus_topic',
    });
    const late = recorder();
    await sut.subscribe({ topic: TOPIC, groupId: 'feed', handler: late.handler });
    await sut.publish(TOPIC, [event(5)]);
    await waitFor('the valid event', () => late.ids.length === 1);
    expect(late.ids).toEqual([event(5).id]);
  });

  it('reports unavailable.bus once closed', async () => {
    const sut = open();
    await sut.ping();
    await sut.close();
    let thrown: unknown;
    try {
      await sut.publish(TOPIC, [event(1)]);
    } catch (error) {
      thrown = error;
    }
    expect(isPlatformError(thrown) && thrown.code).toBe('unavailable.bus');
    await expect(sut.ping()).rejects.toMatchObject({ code: 'unavailable.bus' });
  });

  it('retention deletes consumed events after the grace period, old ones always, and never reuses offsets', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22));
    const sut = open(
      { partitionsDefault: 1, retentionConsumedMs: 60_000, retentionMaxAgeMs: 3_600_000 },
      clock,
    );
    const consumed = recorder();
    const subscription = await sut.subscribe({
      topic: TOPIC,
      groupId: 'feed',
      handler: consumed.handler,
    });
    await sut.publish(TOPIC, range(10));
    await waitFor('10 events', () => consumed.ids.length === 10);
    await subscription.stop();
    // Not consumed by anyone: kept until the hard age bound.
    await sut.publish('audit.record.written.v1', [
      { ...event(0), type: 'audit.record.written.v1' },
    ]);

    expect(sut.runRetention()).toBe(0);
    clock.advanceMs(61_000);
    expect(sut.runRetention()).toBe(10);
    clock.advanceMs(3_600_000);
    expect(sut.runRetention()).toBe(1);

    await sut.publish(TOPIC, [event(10)]);
    const inspector = new Database(path, { readonly: true });
    try {
      const offsets = inspector
        .prepare<[string], { message_offset: number }>(
          'SELECT message_offset FROM messages WHERE topic = ?',
        )
        .all(TOPIC);
      expect(offsets).toEqual([{ message_offset: 10 }]);
    } finally {
      inspector.close();
    }
  });
});
