// Go's time.Format with a reference-time layout ("2006-01-02T15:04:05Z07:00"), for UTC times,
// which is what consul-template's `timestamp` formats.

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export const RFC3339 = '2006-01-02T15:04:05Z07:00';
/** time.Time.String()'s layout. */
export const GO_TIME_STRING = '2006-01-02 15:04:05.999999999 -0700 MST';

const pad = (n: number, width: number, fill = '0'): string => String(n).padStart(width, fill);

// The layout elements, longest first where one is a prefix of another (as Go's nextStdChunk tries them).
const CHUNKS: [string, (d: Date) => string][] = [
  ['January', (d) => MONTHS[d.getUTCMonth()] ?? ''],
  ['Jan', (d) => (MONTHS[d.getUTCMonth()] ?? '').slice(0, 3)],
  ['Monday', (d) => DAYS[d.getUTCDay()] ?? ''],
  ['Mon', (d) => (DAYS[d.getUTCDay()] ?? '').slice(0, 3)],
  ['MST', () => 'UTC'],
  ['2006', (d) => pad(d.getUTCFullYear(), 4)],
  ['2', (d) => String(d.getUTCDate())],
  ['002', (d) => pad(dayOfYear(d), 3)],
  ['01', (d) => pad(d.getUTCMonth() + 1, 2)],
  ['02', (d) => pad(d.getUTCDate(), 2)],
  ['03', (d) => pad(hour12(d), 2)],
  ['04', (d) => pad(d.getUTCMinutes(), 2)],
  ['05', (d) => pad(d.getUTCSeconds(), 2)],
  ['06', (d) => pad(d.getUTCFullYear() % 100, 2)],
  ['15', (d) => pad(d.getUTCHours(), 2)],
  ['1', (d) => String(d.getUTCMonth() + 1)],
  ['3', (d) => String(hour12(d))],
  ['4', (d) => String(d.getUTCMinutes())],
  ['5', (d) => String(d.getUTCSeconds())],
  ['__2', (d) => pad(dayOfYear(d), 3, ' ')],
  ['_2', (d) => pad(d.getUTCDate(), 2, ' ')],
  ['PM', (d) => (d.getUTCHours() >= 12 ? 'PM' : 'AM')],
  ['pm', (d) => (d.getUTCHours() >= 12 ? 'pm' : 'am')],
  ['-07:00:00', () => '+00:00:00'],
  ['-070000', () => '+000000'],
  ['-07:00', () => '+00:00'],
  ['-0700', () => '+0000'],
  ['-07', () => '+00'],
  ['Z07:00:00', () => 'Z'],
  ['Z070000', () => 'Z'],
  ['Z07:00', () => 'Z'],
  ['Z0700', () => 'Z'],
  ['Z07', () => 'Z'],
];

function hour12(d: Date): number {
  const h = d.getUTCHours() % 12;
  return h === 0 ? 12 : h;
}

function dayOfYear(d: Date): number {
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

/** Formats `date` (as UTC) with a Go layout. */
export function formatGoTime(date: Date, layout: string): string {
  let out = '';
  for (let i = 0; i < layout.length; ) {
    const fraction = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (fraction) {
      out += fractionalSeconds(date, fraction[0]);
      i += fraction[0].length;
      continue;
    }
    const chunk = CHUNKS.find(([name]) => layout.startsWith(name, i) && !partOfLongerNumber(layout, i, name));
    if (chunk) {
      out += chunk[1](date);
      i += chunk[0].length;
      continue;
    }
    out += layout[i];
    i++;
  }
  return out;
}

// Go reads "2006" as a year and "Jan" as a month only at word boundaries it checks itself: "Mon"
// not followed by a lower-case letter, for instance. Those are the cases that matter here.
function partOfLongerNumber(layout: string, i: number, name: string): boolean {
  if (name === 'Jan' || name === 'Mon') return /[a-z]/.test(layout[i + name.length] ?? '');
  return false;
}

function fractionalSeconds(date: Date, spec: string): string {
  const digits = spec.length - 1;
  // JavaScript dates keep milliseconds; the finer digits are zeros.
  const value = `${pad(date.getUTCMilliseconds(), 3)}000000`.slice(0, digits).padEnd(digits, '0');
  if (spec[1] === '0') return spec[0] + value;
  const trimmed = value.replace(/0+$/, '');
  return trimmed ? spec[0] + trimmed : '';
}
