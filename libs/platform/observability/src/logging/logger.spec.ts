import { Writable } from 'node:stream';

import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import fc from 'fast-check';

import { PlatformError } from '@corebank/platform-errors';

import { createLogger, type LogLevel } from './logger';

const PAN = '4111111111111111';
const AMEX_PAN = '378282246310005';

function capture(level: LogLevel = 'debug') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const sut = createLogger({ service: 'card-gateway', level, destination });
  return {
    sut,
    raw: () => lines.join('\n'),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes one JSON line with level label, service, ISO time and message', () => {
    const { sut, records } = capture('info');

    sut.info({ accountId: 'a-1', amountMinor: 1500n }, 'hold placed');
    sut.debug('not written at info');

    expect(records()).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'card-gateway',
        msg: 'hold placed',
        accountId: 'a-1',
        amountMinor: '1500',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
      }),
    ]);
  });

  it('never writes a PAN given in a message, a nested field, an array, an error or a binding', () => {
    const { sut, raw } = capture();

    sut.info(`card ${PAN} presented`);
    sut.info({ request: { card: { number: PAN, spaced: '4111 1111 1111 1111' } } }, 'nested');
    sut.info({ items: [{ text: `pan=${AMEX_PAN}` }] }, 'array');
    sut.info('interpolated %s', `4111-1111-1111-1111`);
    sut.error(new Error(`lookup failed for ${PAN}`));
    sut.error(
      {
        err: new PlatformError('invalid.card', `bad ${PAN}`, {
          retryable: false,
          params: { pan: PAN },
        }),
      },
      'wrapped',
    );
    sut.child({ cardNumber: PAN, note: `pan ${PAN}` }).warn('child');
    const grandchild = sut.child({ step: 1 }).child({ note: `pan ${PAN}` });
    grandchild.setBindings({ later: PAN });
    grandchild.info('grandchild');
    sut.info({ asNumber: 4111111111111111 }, 'number');

    expect(raw()).not.toMatch(/4111[ -]?1111[ -]?1111[ -]?1111/);
    expect(raw()).not.toContain(AMEX_PAN);
    expect(raw()).toContain('[PAN ****1111]');
  });

  it('redacts card and secret fields at any depth and spelling', () => {
    const { sut, records } = capture();

    sut.info(
      {
        cvv: '123',
        payment: {
          CVV2: '456',
          pin_block: 'A1B2',
          expiry: '12/27',
          Authorization: 'Bearer abc.def',
        },
        headers: [{ cookie: 'session=1' }],
        cardToken: 'tok_live_1',
        merchantName: 'COFFEE 42',
      },
      'fields',
    );

    const [record] = records();
    expect(record).toMatchObject({
      cvv: '[REDACTED]',
      payment: {
        CVV2: '[REDACTED]',
        pin_block: '[REDACTED]',
        expiry: '[REDACTED]',
        Authorization: '[REDACTED]',
      },
      headers: [{ cookie: '[REDACTED]' }],
      // A card token is the safe stand-in for a PAN and stays readable.
      cardToken: 'tok_live_1',
      merchantName: 'COFFEE 42',
    });
  });

  it('masks inline CVV, PIN and bearer credentials in free text', () => {
    const { sut, raw } = capture();

    sut.warn('raw body cvv=123&pin=9876&exp=12/27 header Authorization: Bearer eyJhbGciOi.x.y');

    expect(raw()).not.toMatch(/123&|9876|12\/27|eyJhbGciOi/);
  });

  it('keeps digit runs that are not card numbers', () => {
    const { sut, records } = capture();

    sut.info({ stan: '000123', rrn: '412345678901', luhnInvalid: '4111111111111112' }, 'ids');

    expect(records()[0]).toMatchObject({
      stan: '000123',
      rrn: '412345678901',
      luhnInvalid: '4111111111111112',
    });
  });

  it('logs PlatformError code, params and a scrubbed stack but not the raw object', () => {
    const { sut, records } = capture();

    sut.warn(
      {
        err: new PlatformError('timeout.cassandra_read', 'read timed out', {
          retryable: true,
          params: { table: 'holds' },
        }),
      },
      'degraded',
    );

    expect(records()[0].err).toMatchObject({
      type: 'PlatformError',
      code: 'timeout.cassandra_read',
      retryable: true,
      params: { table: 'holds' },
      stack: expect.stringContaining('PlatformError') as string,
    });
  });

  it('survives cycles and deep or wide objects within bounds', () => {
    const { sut, records } = capture();
    type Node = { next?: Node; depth: number };
    const head: Node = { depth: 0 };
    let tail = head;
    for (let depth = 1; depth < 50; depth += 1) {
      tail.next = { depth };
      tail = tail.next;
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;

    sut.info({ head, cyclic, wide: Array.from({ length: 500 }, (_, index) => index) }, 'bounded');

    const record = records()[0];
    expect(JSON.stringify(record)).toContain('[Truncated]');
    expect(record.cyclic).toEqual({ self: '[Circular]' });
    expect((record.wide as unknown[]).length).toBe(101);
  });

  it('attaches trace_id and span_id of the active span', () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const { sut, records } = capture();
      const spanContext = {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        traceFlags: TraceFlags.SAMPLED,
      };

      context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () => sut.info('inside'));
      sut.info('outside');

      const [inside, outside] = records();
      expect(inside).toMatchObject({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
      expect(outside).not.toHaveProperty('trace_id');
    } finally {
      context.disable();
    }
  });

  it('never writes any Luhn-valid card number, wherever it is placed (property)', () => {
    const digit = fc.integer({ min: 0, max: 9 });
    const pan = fc
      .tuple(fc.integer({ min: 2, max: 6 }), fc.array(digit, { minLength: 11, maxLength: 17 }))
      .map(([first, body]) => withLuhnCheckDigit([first, ...body].join('')));
    const placement = fc.constantFrom('message', 'field', 'deep', 'array', 'error');
    const filler = fc.string({ maxLength: 12 }).map((text) => text.replace(/\d/g, 'x'));

    fc.assert(
      fc.property(pan, placement, filler, filler, (cardNumber, where, before, after) => {
        const { sut, raw } = capture();
        const text = `${before} ${cardNumber} ${after}`;
        switch (where) {
          case 'message':
            sut.info(text);
            break;
          case 'field':
            sut.info({ note: text }, 'm');
            break;
          case 'deep':
            sut.info({ a: { b: { c: [{ d: text }] } } }, 'm');
            break;
          case 'array':
            sut.info({ list: [1, text] }, 'm');
            break;
          case 'error':
            sut.error(new Error(text));
            break;
        }
        return !raw().includes(cardNumber);
      }),
      { numRuns: 200 },
    );
  });
});

function withLuhnCheckDigit(payload: string): string {
  for (let check = 0; check <= 9; check += 1) {
    const candidate = `${payload}${check}`;
    let sum = 0;
    for (let index = 0; index < candidate.length; index += 1) {
      let value = Number(candidate[candidate.length - 1 - index]);
      if (index % 2 === 1) {
        value = value * 2 > 9 ? value * 2 - 9 : value * 2;
      }
      sum += value;
    }
    if (sum % 10 === 0) {
      return candidate;
    }
  }
  throw new Error('unreachable: one check digit always fits');
}
