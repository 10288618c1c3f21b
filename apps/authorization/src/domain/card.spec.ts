import {
  activateCard,
  type Card,
  freezeCard,
  isCardExpired,
  NO_SPENDING_CONTROLS,
  reportCard,
  STANDARD_PRODUCT,
  unfreezeCard,
} from './card';

const card: Card = {
  token: '1',
  accountId: 'a',
  lastFour: '4242',
  expiryMonth: '2029-12',
  status: 'active',
  currencyCode: 'GBP',
  product: STANDARD_PRODUCT,
  controls: NO_SPENDING_CONTROLS,
};

describe('freeze and unfreeze', () => {
  it('is reversible and idempotent', () => {
    const frozen = freezeCard(card);
    expect(frozen).toEqual({ kind: 'changed', card: { ...card, status: 'frozen' } });
    expect(freezeCard({ ...card, status: 'frozen' }).kind).toBe('unchanged');
    expect(unfreezeCard({ ...card, status: 'frozen' })).toEqual({ kind: 'changed', card });
  });
  it('refuses to freeze or unfreeze a lost, stolen or closed card', () => {
    for (const status of ['lost', 'stolen', 'closed'] as const) {
      expect(freezeCard({ ...card, status }).kind).toBe('refused');
      expect(unfreezeCard({ ...card, status }).kind).toBe('refused');
    }
  });
});

describe('activation and reports', () => {
  it('activates a not-yet-activated card only', () => {
    expect(activateCard({ ...card, status: 'not_activated' }).kind).toBe('changed');
    expect(activateCard({ ...card, status: 'lost' }).kind).toBe('refused');
  });
  it('keeps lost and stolen final, but lets them be closed', () => {
    expect(reportCard(card, 'lost').kind).toBe('changed');
    expect(reportCard({ ...card, status: 'lost' }, 'stolen').kind).toBe('refused');
    expect(reportCard({ ...card, status: 'stolen' }, 'closed').kind).toBe('changed');
  });
});

describe('expiry', () => {
  it('is valid through the last instant of the expiry month (UTC)', () => {
    expect(isCardExpired('2026-11', Date.UTC(2026, 10, 30, 23, 59, 59))).toBe(false);
    expect(isCardExpired('2026-11', Date.UTC(2026, 11, 1))).toBe(true);
    expect(isCardExpired('garbage', 0)).toBe(true);
  });
});
