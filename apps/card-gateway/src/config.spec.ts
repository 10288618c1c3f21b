import { ConfigValidationError } from '@corebank/platform-config';

import { loadCardGatewayConfig } from './config';

const MINIMAL = {
  CARD_GATEWAY_PORT: '0',
  CARD_GATEWAY_AUTHORIZATION_ADDRESS: '127.0.0.1:5000',
  CARD_GATEWAY_AUTH_MODE: 'none',
};

function problemsOf(env: Readonly<Record<string, string>>): string {
  try {
    loadCardGatewayConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      return error.message;
    }
    throw error;
  }
  return '';
}

describe('loadCardGatewayConfig', () => {
  it('defaults the budget to 80 ms, the body to 64 KiB and binds 127.0.0.1', () => {
    const sut = loadCardGatewayConfig(MINIMAL);
    expect(sut).toMatchObject({
      CARD_GATEWAY_HOST: '127.0.0.1',
      CARD_GATEWAY_DEADLINE_BUDGET_MS: 80,
      CARD_GATEWAY_BODY_BYTES_MAX: 65_536,
      CARD_GATEWAY_XML_DEPTH_MAX: 8,
      CARD_GATEWAY_XML_ELEMENT_COUNT_MAX: 400,
      CARD_GATEWAY_XML_TEXT_LENGTH_MAX: 1024,
    });
  });

  it('has no default for the authorization endpoint or the auth mode', () => {
    expect(problemsOf({ CARD_GATEWAY_PORT: '0' })).toMatch(
      /CARD_GATEWAY_AUTHORIZATION_ADDRESS[\s\S]*CARD_GATEWAY_AUTH_MODE|CARD_GATEWAY_AUTH_MODE[\s\S]*CARD_GATEWAY_AUTHORIZATION_ADDRESS/,
    );
  });

  it('refuses unauthenticated mode on a non-loopback address', () => {
    expect(problemsOf({ ...MINIMAL, CARD_GATEWAY_HOST: '0.0.0.0' })).toMatch(
      /CARD_GATEWAY_AUTH_MODE/,
    );
  });

  it('requires the certificate, key and CA for mutual TLS, and the credentials for WS-Security', () => {
    const mtls = problemsOf({ ...MINIMAL, CARD_GATEWAY_AUTH_MODE: 'mutual_tls' });
    expect(mtls).toMatch(/CARD_GATEWAY_TLS_CERT_PATH/);
    expect(mtls).toMatch(/CARD_GATEWAY_TLS_CLIENT_CA_PATH/);
    const wss = problemsOf({
      ...MINIMAL,
      CARD_GATEWAY_AUTH_MODE: 'ws_security',
      CARD_GATEWAY_TLS_CERT_PATH: 'c',
      CARD_GATEWAY_TLS_KEY_PATH: 'k',
    });
    expect(wss).toMatch(/CARD_GATEWAY_WSS_USERNAME/);
    expect(wss).toMatch(/CARD_GATEWAY_WSS_PASSWORD/);
  });

  it('refuses a reply reserve that eats the whole budget', () => {
    expect(
      problemsOf({
        ...MINIMAL,
        CARD_GATEWAY_DEADLINE_BUDGET_MS: '20',
        CARD_GATEWAY_REPLY_RESERVE_MS: '20',
      }),
    ).toMatch(/CARD_GATEWAY_REPLY_RESERVE_MS/);
  });

  it('serves the ops port on loopback and a free port unless told otherwise', () => {
    const sut = loadCardGatewayConfig(MINIMAL);
    expect([sut.OPS_HTTP_HOST, sut.OPS_HTTP_PORT, sut.LOG_LEVEL]).toEqual(['127.0.0.1', 0, 'info']);
    expect(problemsOf({ ...MINIMAL, OPS_HTTP_PORT: '-1' })).toContain('OPS_HTTP_PORT');
  });
});
