// POSTs one webhook body to one URL: a time-out per attempt, a few retries with back-off on network
// errors, 429 and 5xx; any other 4xx is permanent (the URL or the body is wrong: retrying cannot help).
// The URL is a secret (Slack's and Teams' carry their token in the path): it never appears in what this
// returns, only its host.

export type SendResult =
  | { outcome: 'sent'; attempts: number }
  /** Refused for good (a 4xx other than 429). */
  | { outcome: 'refused'; attempts: number; detail: string }
  /** Still failing after the retries (network, 429, 5xx): worth another try later. */
  | { outcome: 'failed'; attempts: number; detail: string };

export interface SendOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Waits before the 2nd, 3rd, … attempt; its length + 1 is the number of attempts. */
  backoffMs?: number[];
  /** Longest wait a Retry-After may ask for. */
  maxRetryAfterMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_BACKOFF_MS = [1_000, 4_000];

/** The URL as it may be shown: its host only. */
export function webhookLabel(url: string): string {
  try {
    return new URL(url).host || 'webhook';
  } catch {
    return 'webhook (not a URL)';
  }
}

/** An error's description with the URL (and its path, query) taken out, should the message quote it. */
function redact(err: unknown, url: string): string {
  const cause = (err as { cause?: { code?: string } })?.cause?.code;
  const name = (err as Error)?.name === 'TimeoutError' ? 'timed out' : String((err as Error)?.message ?? err);
  let text = cause ? `${name} (${cause})` : name;
  for (const secret of secretsOf(url)) text = text.split(secret).join('[webhook]');
  return text;
}

function secretsOf(url: string): string[] {
  try {
    const u = new URL(url);
    return [url, u.href, `${u.pathname}${u.search}`].filter((s) => s.length > 1);
  } catch {
    return [url];
  }
}

/** Retry-After in seconds or as a date; undefined when absent or unreadable. */
function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export async function sendWebhook(url: string, body: unknown, o: SendOptions = {}): Promise<SendResult> {
  const doFetch = o.fetch ?? fetch;
  const backoff = o.backoffMs ?? DEFAULT_BACKOFF_MS;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const payload = JSON.stringify(body);
  let detail = '';
  for (let attempt = 1; ; attempt++) {
    let wait: number | undefined;
    try {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
      // The answer's body is not read into anything shown: some services echo the request line.
      await res.body?.cancel().catch(() => {});
      if (res.ok) return { outcome: 'sent', attempts: attempt };
      detail = `HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) return { outcome: 'refused', attempts: attempt, detail };
      if (res.status === 429) {
        const asked = retryAfterMs(res.headers.get('retry-after'));
        if (asked !== undefined) wait = Math.min(asked, o.maxRetryAfterMs ?? 30_000);
      }
    } catch (err) {
      detail = redact(err, url);
    }
    if (attempt > backoff.length) return { outcome: 'failed', attempts: attempt, detail };
    await sleep(Math.max(wait ?? 0, backoff[attempt - 1]!));
  }
}
