/**
 * The Slack interactivity endpoint's handler (functions/approvalWebhook), with real parts around
 * it: the ledger on moto, SendTaskSuccess/SendTaskFailure over the wire to moto (which accepts
 * any token outside its own executor), and the answer to Slack's response_url POSTed for real to
 * a local HTTP server standing in for hooks.slack.com (test/integration/localSlack.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClientConfig } from '../../cli/local/localAws';
import { makeApprovalWebhookHandler } from '../../functions/approvalWebhook/handler';
import { ApprovalStore } from '../../shared/approval/approvalStore';
import { ApprovalRequests } from '../../shared/approval/approvalRequests';
import { decideApproval } from '../../shared/approval/decideApproval';
import { postToSlack } from '../../shared/notify/slackHttp';
import { createRateLimiter } from '../../shared/notify/rateLimiter';
import { APPROVAL_ACTION_IDS } from '../../shared/notify/slackMessage';
import { blockActions, form, signedSlackRequest, TEST_SIGNING_SECRET } from '../support/slackInteractivity';
import { type LocalSlack, startLocalSlack } from './localSlack';

const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7';
const NOW = new Date('2026-03-14T10:05:00.000Z');

let slack: LocalSlack;
let dynamodb: DynamoDBClient;
let sfn: SFNClient;
let store: ApprovalRequests;

beforeAll(async () => {
  const config = localClientConfig(inject('motoEndpoint'));
  dynamodb = new DynamoDBClient(config);
  sfn = new SFNClient(config);
  slack = await startLocalSlack();
});
afterAll(() => slack.close());

beforeEach(async () => {
  const table = await createLedgerTable(dynamodb, `approval-webhook-${Math.random().toString(36).slice(2, 10)}`);
  store = new ApprovalRequests({ dynamodb, tableName: table });
  await store.recordRequest({
    incidentKey: KEY,
    taskToken: 'AQCEAAAAKgAAAAMAAAAAAAAAAf8g0Q2yq5w7vL1ExampleTaskToken==',
    requestedAt: '2026-03-14T10:00:00.000Z',
    deadline: '2026-03-14T11:00:00.000Z',
    action: 'ecs-rollback',
    steps: ['would roll back prod/checkout-api from checkout-api:7 to checkout-api:6'],
  });
  slack.requests.length = 0;
});

const endpoint = (options: { allowed?: string[]; secret?: string | undefined } = {}) =>
  makeApprovalWebhookHandler({
    signingSecret: async () => ('secret' in options ? options.secret : TEST_SIGNING_SECRET),
    decide: (request) => decideApproval({ store, sfn }, request),
    respond: async (url, message) => void (await postToSlack('response_url', url, message, {}, { limiter: createRateLimiter({ minIntervalMs: 0 }) })),
    ...(options.allowed ? { allowedSlackUsers: () => options.allowed } : {}),
    now: () => NOW,
  });

const click = (actionId: string, overrides: Record<string, unknown> = {}) =>
  form(blockActions(actionId, KEY, { response_url: `${slack.url}/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209`, ...overrides }));

describe('Slack interactivity endpoint', () => {
  it('a signed Approve click approves: 200 to Slack, the decision in the ledger, a reply in the channel', async () => {
    const response = await endpoint()(signedSlackRequest(click(APPROVAL_ACTION_IDS.approve), NOW));

    expect(response).toEqual({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true, decision: 'approved' }) });
    expect(await store.get(KEY)).toMatchObject({ status: 'approved', decidedBy: 'slack:UA8RXUSPL (jtorrance)', decidedAt: NOW.toISOString(), via: 'slack' });
    expect(slack.requests.map((r) => [r.path, r.json()])).toEqual([
      [
        '/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209',
        {
          response_type: 'in_channel',
          replace_original: false,
          text: `:white_check_mark: Approved by <@UA8RXUSPL> at ${NOW.toISOString()}: deploy-medic applies the plan now. This message is updated as it goes.\nIncident \`${KEY}\``,
        },
      ],
    ]);
  });

  it('reads a base64-encoded body (API Gateway HTTP API encodes form posts) and verifies the decoded bytes', async () => {
    const response = await endpoint()(signedSlackRequest(click(APPROVAL_ACTION_IDS.deny), NOW, { base64: true }));
    expect(JSON.parse(response.body)).toEqual({ ok: true, decision: 'denied' });
    expect(await store.get(KEY)).toMatchObject({ status: 'denied', decidedBy: 'slack:UA8RXUSPL (jtorrance)' });
  });

  it('the second click is told who decided first, only to the clicker; nothing is sent again', async () => {
    await endpoint()(signedSlackRequest(click(APPROVAL_ACTION_IDS.approve), NOW));
    const second = await endpoint()(signedSlackRequest(click(APPROVAL_ACTION_IDS.deny, { user: { id: 'U0BOB0000', username: 'bob', team_id: 'T9TK3CUKW' } }), NOW));

    expect(JSON.parse(second.body)).toEqual({ ok: false, reason: 'AlreadyDecidedError' });
    expect(slack.requests.at(-1)!.json()).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: `:warning: the approval for incident ${KEY} is already approved by slack:UA8RXUSPL (jtorrance) at ${NOW.toISOString()}; nothing sent`,
    });
    expect(await store.get(KEY)).toMatchObject({ status: 'approved', decidedBy: 'slack:UA8RXUSPL (jtorrance)' });
  });

  it('someone not on the approver list is refused, only to them, and the approval stays pending', async () => {
    const response = await endpoint({ allowed: ['U0ONCALL01'] })(signedSlackRequest(click(APPROVAL_ACTION_IDS.approve), NOW));

    expect(JSON.parse(response.body)).toEqual({ ok: false, reason: 'not an approver' });
    expect(slack.requests.map((r) => (r.json() as { response_type: string }).response_type)).toEqual(['ephemeral']);
    expect(await store.get(KEY)).toMatchObject({ status: 'pending' });
  });

  describe('requests that are not Slack\'s: 401, nothing decided, nothing answered', () => {
    it.each([
      ['signed with another secret', () => signedSlackRequest(click(APPROVAL_ACTION_IDS.approve), NOW, { secret: 'not-the-signing-secret-000000000' }), 'X-Slack-Signature does not match the request'],
      ['a body changed after signing', () => ({ ...signedSlackRequest(click(APPROVAL_ACTION_IDS.deny), NOW), body: click(APPROVAL_ACTION_IDS.approve) }), 'X-Slack-Signature does not match the request'],
      ['signed six minutes ago (a replay)', () => signedSlackRequest(click(APPROVAL_ACTION_IDS.approve), new Date(NOW.getTime() - 6 * 60_000)), 'request timestamp is 360 s away from now (more than 300 s): refused as a possible replay'],
      ['no signature header', () => {
        const request = signedSlackRequest(click(APPROVAL_ACTION_IDS.approve), NOW);
        const { 'x-slack-signature': _dropped, ...headers } = request.headers;
        return { ...request, headers };
      }, 'missing X-Slack-Signature header'],
    ])('%s', async (_case, request, message) => {
      const response = await endpoint()(request());
      expect(response.statusCode).toBe(401);
      expect(JSON.parse(response.body)).toEqual({ error: message });
      expect(await store.get(KEY)).toMatchObject({ status: 'pending' });
      expect(slack.requests).toEqual([]);
    });
  });

  it('a signed request that is not a button click of ours: 400, nothing decided', async () => {
    const response = await endpoint()(signedSlackRequest(form(blockActions('some-other-button', KEY)), NOW));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ error: 'no deploy-medic approval action in the payload (expected action_id deploy-medic-approve or deploy-medic-deny)' });
    expect(await store.get(KEY)).toMatchObject({ status: 'pending' });
  });

  it('without a signing secret configured, every request is refused (503)', async () => {
    const response = await endpoint({ secret: undefined })(signedSlackRequest(click(APPROVAL_ACTION_IDS.approve), NOW));
    expect(response.statusCode).toBe(503);
    expect(await store.get(KEY)).toMatchObject({ status: 'pending' });
  });
});
