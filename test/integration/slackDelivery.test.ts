/**
 * Slack delivery over real HTTP: a local server on 127.0.0.1 plays Slack (an incoming webhook,
 * the Web API), so every request is exactly what Slack would receive. Waits are recorded, not
 * slept: `Retry-After: 1` costs the test no second.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlackDeliveryError, SlackRateLimitedError } from '../../shared/notify/errors';
import { describeIncident } from '../../shared/notify/incidentView';
import type { RateLimiter } from '../../shared/notify/rateLimiter';
import type { SlackCredentials } from '../../shared/notify/slackCredentials';
import { buildSlackMessage, buildSlackThreadReply } from '../../shared/notify/slackMessage';
import { SlackNotifier } from '../../shared/notify/slackNotifier';
import { openedStackAlert, resolvedOomAlert } from '../unit/notifyFixtures';
import { type LocalSlack, slackWebApi, startLocalSlack } from './localSlack';

const SECRET_PATH = '/services/T0001/B0001/abcdefghijklmnopqrstuvwx';

describe('Slack delivery', () => {
  let slack: LocalSlack;
  let waits: number[];
  let acquired: number;
  const limiter: RateLimiter = { acquire: async () => void (acquired += 1) };

  const notifier = (credentials: SlackCredentials, http: Record<string, unknown> = {}) =>
    new SlackNotifier({
      credentials: async () => credentials,
      apiBaseUrl: `${slack.url}/api`,
      http: { limiter, sleep: async (ms: number) => void waits.push(ms), ...http },
    });
  const webhook = () => notifier({ kind: 'webhook', webhookUrl: `${slack.url}${SECRET_PATH}` });

  beforeEach(async () => {
    slack = await startLocalSlack();
    waits = [];
    acquired = 0;
  });
  afterEach(async () => {
    await slack.close();
  });

  describe('by incoming webhook', () => {
    it('posts the Block Kit message of the phase as JSON', async () => {
      const view = describeIncident(resolvedOomAlert());
      const delivery = await webhook().deliver(view);

      expect(delivery).toEqual({ mode: 'webhook', action: 'posted', thread: null });
      expect(slack.requests).toHaveLength(1);
      const [request] = slack.requests;
      expect(request!.method).toBe('POST');
      expect(request!.path).toBe(SECRET_PATH);
      expect(request!.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(request!.json()).toEqual(buildSlackMessage(view));
      expect(acquired).toBe(1); // every call waits its turn on the rate limiter
    });

    it('HTTP 429 with Retry-After: waits as told, then delivers', async () => {
      slack.script({ status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' }, { status: 200, body: 'ok' });
      const delivery = await webhook().deliver(describeIncident(resolvedOomAlert()));

      expect(delivery.action).toBe('posted');
      expect(slack.requests).toHaveLength(2);
      expect(slack.requests[1]!.body).toBe(slack.requests[0]!.body);
      expect(waits).toEqual([1000]);
      expect(acquired).toBe(2);
    });

    it('HTTP 429 on every attempt: gives up after three with an error the ASL Catch sees', async () => {
      slack.setDefault(() => ({ status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' }));
      const failure = webhook().deliver(describeIncident(resolvedOomAlert()));

      await expect(failure).rejects.toBeInstanceOf(SlackRateLimitedError);
      await expect(failure).rejects.toMatchObject({
        name: 'SlackRateLimitedError',
        message: 'Slack webhook rate limited: HTTP 429 with Retry-After 2s on attempt 3 of 3; giving up (longest wait allowed 5s)',
      });
      expect(slack.requests).toHaveLength(3);
      expect(waits).toEqual([2000, 2000]);
    });

    it('a Retry-After longer than one delivery may wait fails at once', async () => {
      slack.setDefault(() => ({ status: 429, headers: { 'retry-after': '30' } }));
      await expect(webhook().deliver(describeIncident(resolvedOomAlert()))).rejects.toThrow(/Retry-After 30s on attempt 1 of 3; giving up/);
      expect(waits).toEqual([]);
    });

    it('HTTP 500: fails at once, quoting Slack and never the webhook URL', async () => {
      slack.script({ status: 500, body: 'internal_error' });
      const failure = webhook().deliver(describeIncident(resolvedOomAlert()));

      await expect(failure).rejects.toBeInstanceOf(SlackDeliveryError);
      const error = (await failure.catch((e: unknown) => e)) as SlackDeliveryError;
      expect(error.name).toBe('SlackDeliveryError');
      expect(error.message).toBe('Slack webhook failed: HTTP 500 "internal_error"');
      expect(error.details).toEqual({ status: 500, slackError: 'internal_error' });
      expect(`${error.message}${error.stack}`).not.toContain('abcdefghijklmnopqrstuvwx');
      expect(slack.requests).toHaveLength(1);
    });

    it('Slack rejecting the blocks (HTTP 400 invalid_blocks) is a delivery error too', async () => {
      slack.script({ status: 400, body: 'invalid_blocks' });
      await expect(webhook().deliver(describeIncident(resolvedOomAlert()))).rejects.toThrow('Slack webhook failed: HTTP 400 "invalid_blocks"');
    });

    it('no answer within the timeout: fails, naming the timeout', async () => {
      slack.script({ status: 200, hang: true });
      const slow = notifier({ kind: 'webhook', webhookUrl: `${slack.url}${SECRET_PATH}` }, { timeoutMs: 200 });
      await expect(slow.deliver(describeIncident(resolvedOomAlert()))).rejects.toThrow(new SlackDeliveryError('Slack webhook failed: no answer within 200 ms'));
    });

    it('a delivery never outlives its time budget: a Retry-After past it is not waited for', async () => {
      slack.script({ status: 429, headers: { 'retry-after': '2' } });
      const hurried = new SlackNotifier({
        credentials: async () => ({ kind: 'webhook', webhookUrl: `${slack.url}${SECRET_PATH}` }),
        budgetMs: 1000,
        http: { limiter, sleep: async (ms: number) => void waits.push(ms) },
      });
      await expect(hurried.deliver(describeIncident(resolvedOomAlert()))).rejects.toBeInstanceOf(SlackRateLimitedError);
      expect(waits).toEqual([]);
    });

    it('the same incident and phase is posted once per container, whatever Step Functions retries', async () => {
      const once = webhook();
      const view = describeIncident(resolvedOomAlert());
      await once.deliver(view);
      expect(await once.deliver(view)).toEqual({ mode: 'webhook', action: 'duplicate', thread: null });
      // Another phase, or another incident, is news.
      await once.deliver(describeIncident(resolvedOomAlert({ phase: 'escalated' })));
      await once.deliver(describeIncident(openedStackAlert({ phase: 'resolved' })));
      expect(slack.requests).toHaveLength(3);
    });
  });

  describe('by bot token', () => {
    const bot = () => notifier({ kind: 'bot', token: 'xoxb-test-token', channel: 'C0ALERTS' });
    beforeEach(() => slack.setDefault(slackWebApi()));

    it('opens one message per incident, then updates it and replies in its thread per phase', async () => {
      const medic = bot();
      const opened = await medic.deliver(describeIncident(resolvedOomAlert({ phase: 'opened', remediation: undefined, verification: undefined })));
      expect(opened).toEqual({ mode: 'bot', action: 'posted', thread: { channel: 'C0ALERTS', ts: '1741944000.000001' } });

      const resolvedView = describeIncident(resolvedOomAlert());
      const resolved = await medic.deliver(resolvedView, opened.thread);
      expect(resolved).toEqual({ mode: 'bot', action: 'updated', thread: opened.thread });

      expect(slack.requests.map((r) => r.path)).toEqual(['/api/chat.postMessage', '/api/chat.update', '/api/chat.postMessage']);
      for (const request of slack.requests) expect(request.headers.authorization).toBe('Bearer xoxb-test-token');
      expect(slack.requests[0]!.json()).toMatchObject({ channel: 'C0ALERTS', unfurl_links: false });
      expect(slack.requests[1]!.json()).toEqual({ channel: 'C0ALERTS', ts: '1741944000.000001', ...buildSlackMessage(resolvedView) });
      expect(slack.requests[2]!.json()).toEqual({ channel: 'C0ALERTS', thread_ts: '1741944000.000001', ...buildSlackThreadReply(resolvedView), unfurl_links: false });
    });

    it('a message that is gone (deleted in Slack) is replaced by a new one', async () => {
      slack.script({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: false, error: 'message_not_found' }) });
      const delivery = await bot().deliver(describeIncident(resolvedOomAlert()), { channel: 'C0ALERTS', ts: '1700000000.000001' });
      expect(delivery).toEqual({ mode: 'bot', action: 'posted', thread: { channel: 'C0ALERTS', ts: '1741944000.000001' } });
      expect(slack.requests.map((r) => r.path)).toEqual(['/api/chat.update', '/api/chat.postMessage']);
    });

    it('a Web API error (ok: false) fails the delivery with Slack\'s error code', async () => {
      slack.script({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: false, error: 'not_in_channel' }) });
      await expect(bot().deliver(describeIncident(resolvedOomAlert()))).rejects.toMatchObject({
        name: 'SlackDeliveryError',
        message: 'Slack chat.postMessage failed: not_in_channel',
        details: { status: 200, slackError: 'not_in_channel' },
      });
    });

    it('a retried phase returns the thread it already made, and posts nothing', async () => {
      const medic = bot();
      const view = describeIncident(resolvedOomAlert({ phase: 'opened', remediation: undefined, verification: undefined }));
      const first = await medic.deliver(view);
      expect(await medic.deliver(view)).toEqual({ ...first, action: 'duplicate' });
      expect(slack.requests).toHaveLength(1);
    });
  });
});
