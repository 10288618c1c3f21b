/**
 * Processor authentication over real TLS (ARCHITECTURE §11): mutual TLS against a configured CA,
 * and WS-Security UsernameToken (PasswordDigest and PasswordText) over TLS. A refused request gets
 * a Fault with HTTP 401 and reaches nothing: the authorization TEST DOUBLE records no message.
 */
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:https';

import { AuthorizationServiceTestDouble } from '../../testing/authorization-service.test-double';
import { closeAll, startCardGateway, type RunningGateway } from '../../testing/gateway-process';
import {
  AUTH_REQUEST_FIELDS,
  getTransactionEnvelope,
} from '../../testing/get-transaction-envelope';
import { isClientFault, responseStatusOf, soapPost } from '../../testing/soap-http-client';
import {
  createThrowawayCertificates,
  type ThrowawayCertificates,
} from '../../testing/throwaway-certificates';
import { passwordDigestOf } from './ws-security';

const WSS_USERNAME = 'card-processor';
const WSS_PASSWORD = 'throwaway-test-password';
const WSSE_NAMESPACE =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU_NAMESPACE =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const PASSWORD_TYPE =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';
/** Generous: eight engineers' suites share two cores; these tests are about who gets in. */
const DEADLINE_BUDGET_MS = '1000';

function usernameTokenHeader(
  password: string,
  digest: boolean,
  created = new Date().toISOString(),
): string {
  const nonce = randomBytes(16);
  const passwordText = digest ? passwordDigestOf(nonce, created, password) : password;
  return (
    `<wsse:Security xmlns:wsse="${WSSE_NAMESPACE}" xmlns:wsu="${WSU_NAMESPACE}"><wsse:UsernameToken>` +
    `<wsse:Username>${WSS_USERNAME}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_TYPE}#${digest ? 'PasswordDigest' : 'PasswordText'}">${passwordText}</wsse:Password>` +
    `<wsse:Nonce>${nonce.toString('base64')}</wsse:Nonce><wsu:Created>${created}</wsu:Created>` +
    '</wsse:UsernameToken></wsse:Security>'
  );
}

describe('processor authentication', () => {
  const authorization = new AuthorizationServiceTestDouble();
  /** Every gateway that booted, so a failed beforeAll still closes what it opened. */
  const started: RunningGateway[] = [];
  let certificates: ThrowawayCertificates;
  let authorizationAddress: string;

  beforeAll(async () => {
    certificates = await createThrowawayCertificates();
    authorizationAddress = await authorization.start();
  });

  afterAll(async () => {
    await authorization.stop();
    await certificates.remove();
  });

  beforeEach(() => authorization.reset());

  describe('mutual TLS', () => {
    let gateway: RunningGateway;

    beforeAll(async () => {
      gateway = await startCardGateway({
        CARD_GATEWAY_AUTHORIZATION_ADDRESS: authorizationAddress,
        CARD_GATEWAY_AUTH_MODE: 'mutual_tls',
        CARD_GATEWAY_DEADLINE_BUDGET_MS: DEADLINE_BUDGET_MS,
        CARD_GATEWAY_TLS_CERT_PATH: certificates.serverCertificatePath,
        CARD_GATEWAY_TLS_KEY_PATH: certificates.serverKeyPath,
        CARD_GATEWAY_TLS_CLIENT_CA_PATH: certificates.caPath,
      });
      started.push(gateway);
    });

    afterAll(async () => {
      await closeAll(started);
    });

    const postWith = async (client: { cert?: string; key?: string }) => {
      const agent = new Agent({ ca: certificates.caPem, ...client, keepAlive: false });
      try {
        return await soapPost(gateway.port, getTransactionEnvelope(AUTH_REQUEST_FIELDS), {
          agent,
          tls: true,
        });
      } finally {
        agent.destroy();
      }
    };

    it('accepts a client certificate issued by the configured CA', async () => {
      const reply = await postWith({
        cert: certificates.clientCertificatePem,
        key: certificates.clientKeyPem,
      });
      expect(reply.status).toBe(200);
      expect(responseStatusOf(reply.body)).toBe('00');
      expect(authorization.received).toHaveLength(1);
    });

    it.each([
      ['no client certificate', {}],
      ['a self-signed client certificate', 'rogue'],
    ] as const)('refuses %s with a 401 Fault and forwards nothing', async (_name, client) => {
      const reply = await postWith(
        client === 'rogue'
          ? { cert: certificates.rogueCertificatePem, key: certificates.rogueKeyPem }
          : client,
      );
      expect(reply.status).toBe(401);
      expect(isClientFault(reply.body)).toBe(true);
      expect(authorization.received).toHaveLength(0);
    });
  });

  describe('WS-Security UsernameToken over TLS', () => {
    let gateway: RunningGateway;
    let agent: Agent;

    beforeAll(async () => {
      gateway = await startCardGateway({
        CARD_GATEWAY_AUTHORIZATION_ADDRESS: authorizationAddress,
        CARD_GATEWAY_AUTH_MODE: 'ws_security',
        CARD_GATEWAY_DEADLINE_BUDGET_MS: DEADLINE_BUDGET_MS,
        CARD_GATEWAY_TLS_CERT_PATH: certificates.serverCertificatePath,
        CARD_GATEWAY_TLS_KEY_PATH: certificates.serverKeyPath,
        CARD_GATEWAY_WSS_USERNAME: WSS_USERNAME,
        CARD_GATEWAY_WSS_PASSWORD: WSS_PASSWORD,
      });
      started.push(gateway);
      agent = new Agent({ ca: certificates.caPem, keepAlive: true });
    });

    afterAll(async () => {
      agent.destroy();
      await closeAll(started);
    });

    const post = (header: string) =>
      soapPost(gateway.port, getTransactionEnvelope(AUTH_REQUEST_FIELDS, header), {
        agent,
        tls: true,
      });

    it('accepts a fresh PasswordDigest and a PasswordText token', async () => {
      expect((await post(usernameTokenHeader(WSS_PASSWORD, true))).status).toBe(200);
      expect((await post(usernameTokenHeader(WSS_PASSWORD, false))).status).toBe(200);
      expect(authorization.received).toHaveLength(2);
    });

    it('refuses a replayed digest, a wrong password, a stale Created and a missing token', async () => {
      const header = usernameTokenHeader(WSS_PASSWORD, true);
      expect((await post(header)).status).toBe(200);
      authorization.reset();
      for (const refused of [
        header,
        usernameTokenHeader('not-the-password', true),
        usernameTokenHeader('not-the-password', false),
        usernameTokenHeader(WSS_PASSWORD, true, new Date(Date.now() - 3_600_000).toISOString()),
        '',
      ]) {
        const reply = await post(refused);
        expect(reply.status).toBe(401);
        expect(isClientFault(reply.body)).toBe(true);
      }
      expect(authorization.received).toHaveLength(0);
    });
  });
});
