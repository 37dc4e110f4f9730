/**
 * One POST to Slack, the way Slack wants to be called: paced (one call per second per
 * process), with a timeout, and retried only when Slack says so - HTTP 429 with
 * `Retry-After` - a bounded number of times. Everything else fails at once with a
 * {@link SlackDeliveryError} that never names the URL (it is the secret, for webhooks).
 */
import { SlackDeliveryError, SlackRateLimitedError } from './errors';
import { createRateLimiter, type RateLimiter, sleep as realSleep } from './rateLimiter';
import { redactSecrets } from './redact';
import { truncate } from './text';

export interface SlackHttpOptions {
  /** Per request (AbortSignal.timeout). */
  timeoutMs?: number;
  /** Attempts in all, the first included, when Slack answers 429. */
  maxAttempts?: number;
  /** A `Retry-After` longer than this is not waited for: the delivery fails. */
  maxRetryAfterMs?: number;
  /** Epoch ms after which no request starts and no retry waits: keeps a delivery inside the Lambda's timeout. */
  deadline?: number;
  limiter?: RateLimiter;
  /** Injectable for tests (no real waiting). */
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

export interface SlackHttpResponse {
  status: number;
  body: string;
}

export const SLACK_HTTP_DEFAULTS = { timeoutMs: 5000, maxAttempts: 3, maxRetryAfterMs: 5000 } as const;

/** One limiter per process: every Slack call of this Lambda container queues on it. */
export const processSlackLimiter: RateLimiter = createRateLimiter({ minIntervalMs: 1000 });

/**
 * @example
 * await postToSlack('webhook', webhookUrl, { text: 'hi' });                       // 'ok'
 * await postToSlack('chat.postMessage', 'https://slack.com/api/chat.postMessage', body, { authorization: `Bearer ${token}` });
 */
export async function postToSlack(
  what: string,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  options: SlackHttpOptions = {},
): Promise<SlackHttpResponse> {
  const { timeoutMs, maxAttempts, maxRetryAfterMs } = { ...SLACK_HTTP_DEFAULTS, ...stripUndefined(options) };
  const limiter = options.limiter ?? processSlackLimiter;
  const wait = options.sleep ?? realSleep;
  const send = options.fetch ?? fetch;
  const payload = JSON.stringify(body);

  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;

  for (let attempt = 1; ; attempt++) {
    await limiter.acquire();
    const budget = Math.min(timeoutMs, deadline - Date.now());
    if (budget <= 0) throw new SlackDeliveryError(`Slack ${what} failed: out of time for this delivery before attempt ${attempt}`);
    let response: Response;
    try {
      response = await send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
        body: payload,
        signal: AbortSignal.timeout(budget),
      });
    } catch (error) {
      throw networkError(what, error, budget);
    }
    const text = await response.text().catch(() => '');
    if (response.status !== 429) {
      if (response.status >= 200 && response.status < 300) return { status: response.status, body: text };
      throw new SlackDeliveryError(`Slack ${what} failed: HTTP ${response.status} ${quote(text)}`, { status: response.status, slackError: text.trim() || undefined });
    }
    const retryAfterMs = retryAfter(response.headers.get('retry-after'));
    if (attempt >= maxAttempts || retryAfterMs > maxRetryAfterMs || Date.now() + retryAfterMs >= deadline) {
      throw new SlackRateLimitedError(
        `Slack ${what} rate limited: HTTP 429 with Retry-After ${retryAfterMs / 1000}s on attempt ${attempt} of ${maxAttempts}; ` +
          `giving up (longest wait allowed ${maxRetryAfterMs / 1000}s)`,
        { status: 429 },
      );
    }
    await wait(retryAfterMs);
  }
}

/** `Retry-After` in seconds (Slack sends whole seconds); absent or unreadable: 1 s. */
function retryAfter(header: string | null): number {
  const seconds = header === null ? Number.NaN : Number(header.trim());
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : 1000;
}

function networkError(what: string, error: unknown, timeoutMs: number): SlackDeliveryError {
  const e = error as { name?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return new SlackDeliveryError(`Slack ${what} failed: no answer within ${timeoutMs} ms`);
  // The cause of a failed fetch names host and port at most; the code is enough and names neither.
  return new SlackDeliveryError(`Slack ${what} failed: request did not complete (${e?.cause?.code ?? e?.name ?? 'unknown error'})`);
}

function quote(text: string): string {
  const clean = redactSecrets(text.trim());
  return clean === '' ? '(empty body)' : JSON.stringify(truncate(clean, 200));
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
