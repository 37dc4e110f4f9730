/**
 * Reads a Slack interactivity request (a button click): the body is
 * `application/x-www-form-urlencoded` with one field, `payload`, holding the JSON Slack documents
 * as the `block_actions` payload (api.slack.com/reference/interaction-payloads/block-actions):
 *
 *   { "type": "block_actions", "user": { "id": "U...", "username": "...", "name": "...", "team_id": "T..." },
 *     "team": { "id": "T...", "domain": "..." }, "channel": { "id": "C...", "name": "..." },
 *     "response_url": "https://hooks.slack.com/actions/...", "trigger_id": "...",
 *     "actions": [ { "action_id": "deploy-medic-approve", "block_id": "...", "value": "<incident key>",
 *                    "type": "button", "action_ts": "..." } ] }
 *
 * Only our two buttons are understood; anything else is a clear {@link SlackInteractionError}.
 */
import { MedicError } from '../errors';
import { APPROVAL_ACTION_IDS } from '../notify/slackMessage';
import type { Decision } from './approvalStore';

export class SlackInteractionError extends MedicError {}

export interface ApprovalClick {
  decision: Decision;
  incidentKey: string;
  user: { id: string; name: string; teamId?: string };
  /** Where to answer (valid 30 minutes, 5 uses): the reply replaces nothing, it adds a line. */
  responseUrl?: string;
}

/**
 * @example
 * parseApprovalClick('payload=' + encodeURIComponent(JSON.stringify(blockActions)));
 * // { decision: 'approved', incidentKey: 'ecs:us-east-1:...', user: { id: 'U2CERLKJA', name: 'roadrunner', teamId: 'T1DC2JH3J' }, responseUrl: 'https://hooks.slack.com/actions/...' }
 */
export function parseApprovalClick(rawBody: string): ApprovalClick {
  const payloadText = new URLSearchParams(rawBody).get('payload');
  if (payloadText === null) throw new SlackInteractionError('the request has no "payload" form field (not a Slack interactivity request)');
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(payloadText) as Record<string, unknown>;
  } catch {
    throw new SlackInteractionError('the "payload" field is not JSON');
  }
  if (payload.type !== 'block_actions') throw new SlackInteractionError(`unsupported interaction type "${String(payload.type)}" (only block_actions)`);

  const actions = Array.isArray(payload.actions) ? (payload.actions as Array<Record<string, unknown>>) : [];
  const action = actions.find((a) => a.action_id === APPROVAL_ACTION_IDS.approve || a.action_id === APPROVAL_ACTION_IDS.deny);
  if (action === undefined) {
    throw new SlackInteractionError(`no deploy-medic approval action in the payload (expected action_id ${APPROVAL_ACTION_IDS.approve} or ${APPROVAL_ACTION_IDS.deny})`);
  }
  if (typeof action.value !== 'string' || action.value === '') throw new SlackInteractionError('the approval button carries no incident key');

  const user = payload.user as { id?: unknown; username?: unknown; name?: unknown; team_id?: unknown } | undefined;
  if (typeof user?.id !== 'string' || user.id === '') throw new SlackInteractionError('the payload names no Slack user');
  const name = typeof user.username === 'string' && user.username !== '' ? user.username : typeof user.name === 'string' ? user.name : user.id;
  const teamId = typeof user.team_id === 'string' ? user.team_id : (payload.team as { id?: unknown } | undefined)?.id;

  return {
    decision: action.action_id === APPROVAL_ACTION_IDS.approve ? 'approved' : 'denied',
    incidentKey: action.value,
    user: { id: user.id, name, ...(typeof teamId === 'string' ? { teamId } : {}) },
    ...(isSlackResponseUrl(payload.response_url) ? { responseUrl: payload.response_url } : {}),
  };
}

/** How a Slack user appears in the ledger and the alerts: `slack:U2CERLKJA (roadrunner)`. */
export const slackApprover = (user: ApprovalClick['user']) => `slack:${user.id} (${user.name})`;

/**
 * Only Slack's own host gets our answer (the URL comes from the signed payload, but a leaked
 * signing secret must not turn the endpoint into a proxy); loopback http for the local tests.
 */
function isSlackResponseUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return url.hostname === 'hooks.slack.com' || url.hostname.endsWith('.slack.com');
  return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost');
}
