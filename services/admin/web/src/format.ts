/** A time of the API (ms since the epoch or an ISO string) in the browser's zone. */
export function formatTime(at: number | string | undefined): string {
  if (at === undefined) return '';
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
