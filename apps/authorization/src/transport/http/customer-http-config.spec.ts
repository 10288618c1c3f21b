import { loadAuthorizationConfig } from '../../config';

const REQUIRED = {
  AUTHORIZATION_GRPC_PORT: '0',
  LEDGER_GRPC_ADDRESS: '127.0.0.1:50051',
  ID_WORKER_SOURCE: 'config',
  ID_WORKER_ID: '3',
};

describe('the customer /cards API section of the authorization config', () => {
  it('serves no customer API, and needs no token key, while AUTHORIZATION_HTTP_PORT is unset', () => {
    expect(loadAuthorizationConfig(REQUIRED).customerHttp).toBeUndefined();
  });

  it('requires the bearer-token key once the port is set, naming the variable', () => {
    expect(() => loadAuthorizationConfig({ ...REQUIRED, AUTHORIZATION_HTTP_PORT: '0' })).toThrow(
      /AUTH_JWT_PUBLIC_KEY_PEM/,
    );
    expect(() =>
      loadAuthorizationConfig({
        ...REQUIRED,
        AUTHORIZATION_HTTP_PORT: '0',
        AUTH_JWT_ALGORITHM: 'HS256',
        AUTH_JWT_HS256_SECRET: 'too-short',
      }),
    ).toThrow(/AUTH_JWT_HS256_SECRET/);
  });

  it('reads host, port and the shared auth section', () => {
    const sut = loadAuthorizationConfig({
      ...REQUIRED,
      AUTHORIZATION_HTTP_PORT: '8083',
      AUTH_JWT_ALGORITHM: 'HS256',
      AUTH_JWT_HS256_SECRET: 'a-secret-of-at-least-thirty-two-bytes-long',
    });
    expect(sut.customerHttp).toEqual({
      host: '127.0.0.1',
      port: 8083,
      auth: {
        key: { algorithm: 'HS256', secret: 'a-secret-of-at-least-thirty-two-bytes-long' },
        issuer: 'corebank',
        clockSkewSeconds: 30,
      },
    });
    expect(() =>
      loadAuthorizationConfig({ ...REQUIRED, AUTHORIZATION_HTTP_PORT: '70000' }),
    ).toThrow(/AUTHORIZATION_HTTP_PORT/);
  });
});
