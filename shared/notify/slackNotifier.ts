/**
 * Delivers an incident to Slack, by incoming webhook or by bot token.
 *
 * - Webhook: one message per phase. A webhook cannot edit what it posted.
 * - Bot token: one message per incident. The first phase posts it (`chat.postMessage`) and
 *   returns its `{channel, ts}`; the state machine keeps that thread and hands it to the later
 *   phases, which update the message in place (`chat.update`) and add one threaded reply
 *   (`thread_ts`) saying what changed. Without a thread (an older ASL), a phase posts anew.
 *
 * Idempotency: Step Functions may run the Notify task again after a timeout or a Lambda
 * error. A delivery of the same (incident, phase) is remembered in this container and not
 * sent twice; a retry that lands in another container can still post a second time (see
 * docs/operations.md).
 */
import { SlackDeliveryError } from './errors';
import type { IncidentView } from './incidentView';
import type { SlackCredentials } from './slackCredentials';
import { postToSlack, type SlackHttpOptions } from './slackHttp';
import { buildSlackMessage, buildSlackThreadReply, type SlackMessage } from './slackMessage';

/** The incident's Slack message (bot token mode), as `chat.postMessage` returned it. */
export interface SlackThread {
  channel: string;
  ts: string;
}

export interface SlackDelivery {
  mode: 'webhook' | 'bot';
  /** `duplicate`: this container already delivered this incident's phase; nothing was sent. */
  action: 'posted' | 'updated' | 'duplicate';
  /** Bot token mode: the message later phases update. Webhook mode: `null`. */
  thread: SlackThread | null;
}

export interface SlackNotifierOptions {
  credentials: () => Promise<SlackCredentials>;
  /** Slack Web API base, `https://slack.com/api` (tests point it at a local server). */
  apiBaseUrl?: string;
  http?: SlackHttpOptions;
  /** All Slack calls of one delivery finish (or give up) within this; default 12 s, inside the Lambda's 25 s. */
  budgetMs?: number;
}

/** `chat.update` answers that mean "post a new message instead". */
const GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

export class SlackNotifier {
  private readonly delivered = new Map<string, SlackDelivery>();
  private readonly apiBaseUrl: string;

  constructor(private readonly options: SlackNotifierOptions) {
    this.apiBaseUrl = (options.apiBaseUrl ?? 'https://slack.com/api').replace(/\/+$/, '');
  }

  /** The credential (cached by the loader): read it before anything is published, so a throttled read retries cleanly. */
  credentials(): Promise<SlackCredentials> {
    return this.options.credentials();
  }

  /**
   * @example
   * const delivery = await slack.deliver(describeIncident(input, now), run.notify?.slack);
   * delivery.thread; // { channel: 'C0123', ts: '1733000000.000100' } with a bot token
   */
  async deliver(view: IncidentView, thread?: SlackThread | null, credentials?: SlackCredentials): Promise<SlackDelivery> {
    const key = `${view.incident.key}\u0000${view.phase}`;
    const earlier = this.delivered.get(key);
    if (earlier) return { ...earlier, action: 'duplicate' };

    const creds = credentials ?? (await this.options.credentials());
    const http: SlackHttpOptions = { ...this.options.http, deadline: Date.now() + (this.options.budgetMs ?? 12_000) };
    const delivery = creds.kind === 'webhook' ? await this.viaWebhook(creds.webhookUrl, view, http) : await this.viaBot(creds, view, thread ?? null, http);
    this.delivered.set(key, delivery);
    return delivery;
  }

  private async viaWebhook(url: string, view: IncidentView, http: SlackHttpOptions): Promise<SlackDelivery> {
    await postToSlack('webhook', url, buildSlackMessage(view), {}, http);
    return { mode: 'webhook', action: 'posted', thread: null };
  }

  private async viaBot(creds: Extract<SlackCredentials, { kind: 'bot' }>, view: IncidentView, thread: SlackThread | null, http: SlackHttpOptions): Promise<SlackDelivery> {
    const message = buildSlackMessage(view);
    if (thread !== null) {
      try {
        await this.call(http, creds.token, 'chat.update', { channel: thread.channel, ts: thread.ts, ...message });
        const reply = buildSlackThreadReply(view);
        await this.call(http, creds.token, 'chat.postMessage', { channel: thread.channel, thread_ts: thread.ts, ...reply, unfurl_links: false });
        return { mode: 'bot', action: 'updated', thread };
      } catch (error) {
        if (!(error instanceof SlackDeliveryError && GONE.has(error.details.slackError ?? ''))) throw error;
        // The message was deleted or can no longer be edited: start a new one.
      }
    }
    const out = await this.call(http, creds.token, 'chat.postMessage', { channel: creds.channel, ...message, unfurl_links: false, unfurl_media: false });
    const channel = typeof out.channel === 'string' ? out.channel : creds.channel;
    if (typeof out.ts !== 'string') throw new SlackDeliveryError('Slack chat.postMessage answered ok without a message ts');
    return { mode: 'bot', action: 'posted', thread: { channel, ts: out.ts } };
  }

  private async call(http: SlackHttpOptions, token: string, method: string, body: SlackMessage & Record<string, unknown>): Promise<Record<string, unknown>> {
    const response = await postToSlack(method, `${this.apiBaseUrl}/${method}`, body, { authorization: `Bearer ${token}` }, http);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(response.body) as Record<string, unknown>;
    } catch {
      throw new SlackDeliveryError(`Slack ${method} answered HTTP ${response.status} with a body that is not JSON`, { status: response.status });
    }
    if (json.ok !== true) {
      const slackError = typeof json.error === 'string' ? json.error : 'unknown_error';
      throw new SlackDeliveryError(`Slack ${method} failed: ${slackError}`, { status: response.status, slackError });
    }
    return json;
  }
}
