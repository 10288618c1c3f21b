import { loadMerchantEnrichmentConfig } from './config';

const minimal = {
  MERCHANT_LOGO_BASE_URL: 'https://cdn.corebank.test/logos',
  ID_WORKER_SOURCE: 'config',
  ID_WORKER_ID: '3',
};

describe('loadMerchantEnrichmentConfig', () => {
  it('defaults to the embedded bus and SQLite store with a 20 ms enrichment deadline', () => {
    const config = loadMerchantEnrichmentConfig(minimal);
    expect(config.enrichment.MERCHANT_ENRICHMENT_DEADLINE_MS).toBe(20);
    expect(config.enrichment.MERCHANT_ENRICHMENT_GROUP_ID).toBe('merchant-enrichment');
    expect(config.bus).toEqual({ engine: 'embedded', path: 'data/event-bus.db' });
  });

  it('uses Kafka when brokers are given', () => {
    const config = loadMerchantEnrichmentConfig({ ...minimal, KAFKA_BROKERS: 'k1:9092,k2:9092' });
    expect(config.bus).toMatchObject({
      engine: 'kafka',
      brokers: ['k1:9092', 'k2:9092'],
      clientId: 'merchant-enrichment',
    });
  });

  it.each([
    ['no logo base', { MERCHANT_LOGO_BASE_URL: undefined }, 'MERCHANT_LOGO_BASE_URL'],
    [
      'a plain-http logo base',
      { MERCHANT_LOGO_BASE_URL: 'http://cdn.test' },
      'MERCHANT_LOGO_BASE_URL',
    ],
    [
      'a zero deadline',
      { MERCHANT_ENRICHMENT_DEADLINE_MS: '0' },
      'MERCHANT_ENRICHMENT_DEADLINE_MS',
    ],
    [
      'unbounded attempts',
      { MERCHANT_ENRICHMENT_ATTEMPTS_MAX: '1000' },
      'MERCHANT_ENRICHMENT_ATTEMPTS_MAX',
    ],
  ])('refuses %s', (_label, override, variable) => {
    expect(() => loadMerchantEnrichmentConfig({ ...minimal, ...override })).toThrow(variable);
  });
});
