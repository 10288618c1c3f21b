import { isKnownTimeZone, spendDayStart } from './spend-day';

describe('spendDayStart', () => {
  it('starts the day at 04:00 London time in winter (UTC+0) and summer (UTC+1)', () => {
    expect(spendDayStart(new Date('2026-11-22T12:00:00Z'), 'Europe/London', 4).toISOString()).toBe(
      '2026-11-22T04:00:00.000Z',
    );
    expect(spendDayStart(new Date('2026-07-01T12:00:00Z'), 'Europe/London', 4).toISOString()).toBe(
      '2026-07-01T03:00:00.000Z',
    );
  });

  it('counts the small hours towards the previous day', () => {
    expect(spendDayStart(new Date('2026-11-22T02:30:00Z'), 'Europe/London', 4).toISOString()).toBe(
      '2026-11-21T04:00:00.000Z',
    );
  });

  it('follows other zones', () => {
    expect(
      spendDayStart(new Date('2026-11-22T12:00:00Z'), 'America/New_York', 4).toISOString(),
    ).toBe('2026-11-22T09:00:00.000Z');
  });

  it('knows IANA zones only', () => {
    expect(isKnownTimeZone('Europe/London')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
  });
});
