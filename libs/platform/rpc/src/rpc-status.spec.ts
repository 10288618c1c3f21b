import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

import fc from 'fast-check';

import { PlatformError, type PlatformErrorCategory } from '@corebank/platform-errors';

import {
  ERROR_CODE_METADATA_KEY,
  platformErrorFromServiceError,
  toServerErrorResponse,
} from './rpc-status';

/** What the client receives for a given server response (grpc-js builds the same shape). */
function received(code: GrpcStatus, details: string, metadata: Metadata): ServiceError {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata });
}

function roundTrip(error: unknown): { status: GrpcStatus; clientError: PlatformError } {
  const response = toServerErrorResponse(error);
  return {
    status: response.code!,
    clientError: platformErrorFromServiceError(
      received(response.code!, response.details!, response.metadata!),
    ),
  };
}

describe('PlatformError <-> gRPC status', () => {
  const table: [PlatformErrorCategory, GrpcStatus][] = [
    ['timeout', GrpcStatus.DEADLINE_EXCEEDED],
    ['unavailable', GrpcStatus.UNAVAILABLE],
    ['conflict', GrpcStatus.ABORTED],
    ['invalid', GrpcStatus.INVALID_ARGUMENT],
    ['not_found', GrpcStatus.NOT_FOUND],
    ['permission', GrpcStatus.PERMISSION_DENIED],
    ['unauthenticated', GrpcStatus.UNAUTHENTICATED],
    ['exhausted', GrpcStatus.RESOURCE_EXHAUSTED],
    ['internal', GrpcStatus.INTERNAL],
  ];

  it.each(table)(
    'maps %s to status %s and back with code, params and retryable',
    (category, status) => {
      for (const retryable of [true, false]) {
        const sut = new PlatformError(`${category}.some_detail`, `${category} happened`, {
          retryable,
          params: { accountId: '42', amountMinor: 1500, frozen: true },
        });

        const { status: wireStatus, clientError } = roundTrip(sut);

        expect(wireStatus).toBe(status);
        expect(clientError.code).toBe(`${category}.some_detail`);
        expect(clientError.category).toBe(category);
        expect(clientError.message).toBe(`${category} happened`);
        expect(clientError.retryable).toBe(retryable);
        expect(clientError.params).toEqual({ accountId: '42', amountMinor: 1500, frozen: true });
      }
    },
  );

  it('round-trips any code, message and scalar params unchanged (property)', () => {
    const category = fc.constantFrom(...table.map(([name]) => name));
    const detail = fc.stringMatching(/^[a-z0-9_]{1,40}$/);
    const scalar = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.boolean(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    const params = fc.dictionary(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,15}$/), scalar, {
      maxKeys: 6,
    });
    fc.assert(
      fc.property(
        category,
        detail,
        fc.string(),
        params,
        fc.boolean(),
        (name, rest, message, safe, retryable) => {
          const { clientError } = roundTrip(
            new PlatformError(`${name}.${rest}`, message, { retryable, params: safe }),
          );
          expect(clientError.code).toBe(`${name}.${rest}`);
          expect(clientError.message).toBe(message);
          expect(clientError.retryable).toBe(retryable);
          expect(clientError.params).toEqual(JSON.parse(JSON.stringify(safe)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('sends an unknown exception as INTERNAL with a generic message and nothing else', () => {
    const response = toServerErrorResponse(new Error('PAN 4111111111111111 at db.ts:12'));

    expect(response.code).toBe(GrpcStatus.INTERNAL);
    expect(response.details).toBe('internal error');
    expect(response.stack).toBeUndefined();
    expect(JSON.stringify(response.metadata!.getMap())).not.toContain('4111');
    expect(roundTrip(new Error('x')).clientError).toMatchObject({
      code: 'internal.unexpected',
      retryable: false,
    });
  });

  it('does not send the cause of a PlatformError', () => {
    const response = toServerErrorResponse(
      new PlatformError('unavailable.store', 'store down', {
        retryable: true,
        cause: new Error('password=hunter2'),
      }),
    );

    expect(JSON.stringify({ ...response, metadata: response.metadata!.getMap() })).not.toContain(
      'hunter2',
    );
  });

  it('sends a PlatformError with a malformed code under its category as unspecified', () => {
    const malformed = new PlatformError('invalid.Montant_négatif', 'negative amount', {
      retryable: false,
      params: { field: 'amountMinor' },
    });

    const { status, clientError } = roundTrip(malformed);

    expect(status).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(clientError).toMatchObject({
      code: 'invalid.unspecified',
      message: 'negative amount',
      params: { field: 'amountMinor' },
    });
  });

  it('does not trust a malformed or unknown error code from the wire', () => {
    for (const wireCode of ['bogus.thing', 'TIMEOUT.x', 'timeout', 'timeout.<script>']) {
      const metadata = new Metadata();
      metadata.set(ERROR_CODE_METADATA_KEY, wireCode);

      const sut = platformErrorFromServiceError(received(GrpcStatus.ABORTED, 'x', metadata));

      expect(sut.code).toBe('internal.rpc_failed');
    }
  });

  it('ignores params that are not a flat JSON object of scalars', () => {
    const metadata = new Metadata();
    metadata.set(ERROR_CODE_METADATA_KEY, 'invalid.amount');
    metadata.set(
      'corebank-error-params-bin',
      Buffer.from('{"ok":"yes","nested":{"a":1},"list":[1]}', 'utf8'),
    );

    const sut = platformErrorFromServiceError(received(GrpcStatus.INVALID_ARGUMENT, 'x', metadata));

    expect(sut.params).toEqual({ ok: 'yes' });
  });

  it.each([
    [GrpcStatus.UNAVAILABLE, 'unavailable.rpc_unreachable', true],
    [GrpcStatus.DEADLINE_EXCEEDED, 'timeout.deadline_exceeded', false],
    [GrpcStatus.CANCELLED, 'unavailable.call_cancelled', false],
    [GrpcStatus.UNIMPLEMENTED, 'internal.rpc_unimplemented', false],
    [GrpcStatus.RESOURCE_EXHAUSTED, 'exhausted.rpc_resource_exhausted', false],
    [GrpcStatus.UNKNOWN, 'internal.rpc_failed', false],
  ])('names transport status %s without a server code as %s', (status, code, retryable) => {
    const sut = platformErrorFromServiceError(received(status, 'from grpc', new Metadata()));

    expect(sut).toMatchObject({ code, retryable });
  });
});
