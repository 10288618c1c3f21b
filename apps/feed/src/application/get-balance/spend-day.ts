/**
 * The instant the spending day began: the latest `dayStartHour`:00 wall-clock time in `timeZone`
 * at or before `now` (Mondo counted spend_today from about 04:00 local, so a night out counts
 * towards the day it started). Pure: the clock comes in as `now`.
 */
export function spendDayStart(now: Date, timeZone: string, dayStartHour: number): Date {
  const local = wallClock(now, timeZone);
  let dayStartLocalMs = Date.UTC(local.year, local.month - 1, local.day, dayStartHour);
  if (local.hour < dayStartHour) {
    dayStartLocalMs -= 24 * 60 * 60 * 1000;
  }
  // Wall-clock time to instant: subtract the zone's offset, re-checked at the candidate because
  // the offset may differ there (a daylight-saving change overnight).
  let instantMs = dayStartLocalMs - offsetMs(new Date(dayStartLocalMs), timeZone);
  instantMs = dayStartLocalMs - offsetMs(new Date(instantMs), timeZone);
  return new Date(instantMs);
}

interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

function wallClock(instant: Date, timeZone: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const value = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((part) => part.type === type)?.value ?? Number.NaN);
  return {
    year: value('year'),
    month: value('month'),
    day: value('day'),
    hour: value('hour'),
    minute: value('minute'),
    second: value('second'),
  };
}

/** How far the zone's wall clock is ahead of UTC at `instant`, in ms. */
function offsetMs(instant: Date, timeZone: string): number {
  const local = wallClock(instant, timeZone);
  const asUtc = Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour,
    local.minute,
    local.second,
  );
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}
