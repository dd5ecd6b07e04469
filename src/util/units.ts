// Docker's human units (github.com/docker/go-units), exactly: the strings scripts and eyes
// expect in `ps`, `volume ls`, `stats`. Pure.

/** "Less than a second", "3 minutes", "About an hour": go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

function sizeWith(bytes: number, base: number, units: string[], precision = 4): string {
  let v = bytes;
  let u = 0;
  while (v >= base && u < units.length - 1) {
    v /= base;
    u++;
  }
  // Go's %.<precision>g: that many significant digits, trailing zeros dropped
  return `${Number(v.toPrecision(precision))}${units[u]}`;
}

/** "1.5kB", "68.3MB": go-units HumanSize (decimal). */
export function humanSize(bytes: number): string {
  return sizeWith(bytes, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB']);
}

/** "1.23GB": go-units HumanSizeWithPrecision, as `docker images` and `image history` print sizes. */
export function humanSizeWithPrecision(bytes: number, precision: number): string {
  return sizeWith(bytes, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], precision);
}

/** "3 minutes ago", "N/A" for no time: Docker's CreatedSince. */
export function timeAgo(iso: string | undefined, now = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? `${humanDuration(Math.max(0, now - t))} ago` : 'N/A';
}

/** "1.5KiB", "512MiB": go-units BytesSize (binary), as `stats` prints memory. */
export function bytesSize(bytes: number): string {
  return sizeWith(bytes, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']);
}

/** Go's time.Time.String(): "2024-05-01 10:00:00 +0000 UTC", in the local zone. */
export function goTimeString(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} `
    + `${sign}${pad(Math.floor(Math.abs(off) / 60))}${pad(Math.abs(off) % 60)} ${zone === 'GMT' ? 'UTC' : zone}`;
}
