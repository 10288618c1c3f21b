import type { KafkaMessage } from 'kafkajs';

import { kafkaEventBusConfigSchema } from './kafka-config';
import { decodeKafkaHeaders, toInboundMessage, toKafkaMessage } from './kafka-messages';

describe('decodeKafkaHeaders', () => {
  it('turns Buffers into text, keeps the last value of a repeated header, drops undefined', () => {
    const sut = decodeKafkaHeaders({
      'event-type': Buffer.from('ledger.transfer.posted.v1'),
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      repeated: [Buffer.from('first'), Buffer.from('second')],
      missing: undefined,
    });
    expect(sut).toEqual({
      'event-type': 'ledger.transfer.posted.v1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      repeated: 'second',
    });
  });
});

describe('toInboundMessage', () => {
  const record = (key: Buffer | null, value: Buffer | null): KafkaMessage => ({
    key,
    value,
    timestamp: '0',
    attributes: 0,
    offset: '9007199254740993',
    headers: {},
  });

  it('keeps offsets beyond 2^53 exact as bigint and the key as text', () => {
    const sut = toInboundMessage(
      'ledger.transfer.posted.v1',
      3,
      record(Buffer.from('account-7'), Buffer.from('{}')),
    );
    expect(sut).toMatchObject({
      topic: 'ledger.transfer.posted.v1',
      partition: 3,
      key: 'account-7',
    });
    expect(sut.offset).toBe(9_007_199_254_740_993n);
  });

  it('maps a missing key to null and a tombstone to an empty value (which dead-letters)', () => {
    const sut = toInboundMessage('t', 0, record(null, null));
    expect(sut.key).toBeNull();
    expect(sut.value.length).toBe(0);
  });

  it('round-trips an outbound message to a kafkajs message with its headers', () => {
    const value = Buffer.from('{"id":"1"}');
    expect(toKafkaMessage({ key: 'k', value, headers: { a: 'b' } })).toEqual({
      key: 'k',
      value,
      headers: { a: 'b' },
    });
  });
});

describe('kafkaEventBusConfigSchema', () => {
  it('fills the defaults that are the same everywhere and insists on brokers', () => {
    const sut = kafkaEventBusConfigSchema.parse({ brokers: ['kafka-0:9092'], clientId: 'ledger' });
    expect(sut).toMatchObject({ sessionTimeoutMs: 30_000, allowAutoTopicCreation: false });
    expect(kafkaEventBusConfigSchema.safeParse({ brokers: [], clientId: 'ledger' }).success).toBe(
      false,
    );
  });

  it('refuses a heartbeat interval that would let the session expire between beats', () => {
    const parsed = kafkaEventBusConfigSchema.safeParse({
      brokers: ['kafka-0:9092'],
      clientId: 'ledger',
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 3_000,
    });
    expect(parsed.success).toBe(false);
  });
});
