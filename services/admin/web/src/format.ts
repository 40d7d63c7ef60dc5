/** A time of the API (ms since the epoch or an ISO string) in the browser's zone. */
export function formatTime(at: number | string | undefined): string {
  if (at === undefined) return '';
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** An error as shown to the operator: the API's message, and each problem it named (400 invalid_request). */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const problems = (error as { problems?: readonly string[] }).problems ?? [];
  return problems.length === 0 ? error.message : `${error.message}: ${problems.join('; ')}`;
}
