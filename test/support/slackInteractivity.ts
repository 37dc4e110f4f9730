/**
 * Slack interactivity requests as Slack sends them: the block_actions payload of Slack's
 * reference (api.slack.com/reference/interaction-payloads/block-actions), form-encoded, and
 * signed the documented way with a test signing secret.
 */
import { slackSignatureFor } from '../../shared/approval/slackSignature';

/** Slack's documented block_actions example, with our button as the action. */
export function blockActions(actionId: string, value: string, overrides: Record<string, unknown> = {}) {
  return {
    type: 'block_actions',
    team: { id: 'T9TK3CUKW', domain: 'example' },
    user: { id: 'UA8RXUSPL', username: 'jtorrance', name: 'jtorrance', team_id: 'T9TK3CUKW' },
    api_app_id: 'AABA1ABCD',
    token: '9s8d9as89d8as9d8as989',
    container: { type: 'message', message_ts: '1548261231.000200', channel_id: 'CBR2V3XEX', is_ephemeral: false },
    trigger_id: '12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3',
    channel: { id: 'CBR2V3XEX', name: 'review-updates' },
    message: { type: 'message', text: 'Approval needed', ts: '1548261231.000200' },
    response_url: 'https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209',
    actions: [
      { action_id: actionId, block_id: 'deploy-medic-approval', text: { type: 'plain_text', text: 'Approve', emoji: true }, value, style: 'primary', type: 'button', action_ts: '1548426417.840180' },
    ],
    ...overrides,
  };
}
/** The body Slack POSTs: `payload=<url-encoded JSON>`. */
export const form = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;

export const TEST_SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

/** An API Gateway HTTP API (payload 2.0) request carrying `body`, signed at `at` (HTTP API lower-cases header names). */
export function signedSlackRequest(body: string, at: Date, options: { secret?: string; base64?: boolean } = {}) {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  return {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignatureFor(options.secret ?? TEST_SIGNING_SECRET, timestamp, body),
    },
    body: options.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
  };
}
