/**
 * The Approve / Deny clicks as Slack sends them: a form-encoded `payload` holding a block_actions
 * payload shaped like Slack's reference (api.slack.com/reference/interaction-payloads/block-actions).
 */
import { describe, expect, it } from 'vitest';
import { parseApprovalClick, SlackInteractionError, slackApprover } from '../../shared/approval/slackInteraction';
import { APPROVAL_ACTION_IDS, approvalButtons } from '../../shared/notify/slackMessage';
import { blockActions, form } from '../support/slackInteractivity';

const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7';


describe('Slack interactivity: approval clicks', () => {
  it('reads an Approve click: who, which incident, where to answer', () => {
    expect(parseApprovalClick(form(blockActions(APPROVAL_ACTION_IDS.approve, KEY)))).toEqual({
      decision: 'approved',
      incidentKey: KEY,
      user: { id: 'UA8RXUSPL', name: 'jtorrance', teamId: 'T9TK3CUKW' },
      responseUrl: 'https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209',
    });
  });

  it('reads a Deny click', () => {
    expect(parseApprovalClick(form(blockActions(APPROVAL_ACTION_IDS.deny, KEY)))).toMatchObject({ decision: 'denied', incidentKey: KEY });
  });

  it('the buttons deploy-medic sends are the ones it reads back (action ids, incident key as value, confirm dialogs)', () => {
    const block = approvalButtons(KEY);
    expect(block.type).toBe('actions');
    const elements = block.type === 'actions' ? block.elements : [];
    expect(elements.map((e) => [e.action_id, e.value, e.style])).toEqual([
      [APPROVAL_ACTION_IDS.approve, KEY, 'primary'],
      [APPROVAL_ACTION_IDS.deny, KEY, 'danger'],
    ]);
    for (const element of elements) expect(element.confirm?.confirm.text).toBe(element.text.text);
    const click = parseApprovalClick(form(blockActions(elements[1]!.action_id, elements[1]!.value)));
    expect(click).toMatchObject({ decision: 'denied', incidentKey: KEY });
  });

  it('names the approver by Slack id and handle, as the ledger records it', () => {
    expect(slackApprover({ id: 'UA8RXUSPL', name: 'jtorrance' })).toBe('slack:UA8RXUSPL (jtorrance)');
  });

  it('drops a response_url that is not Slack (a forged one must not turn the endpoint into a proxy)', () => {
    const click = parseApprovalClick(form(blockActions(APPROVAL_ACTION_IDS.approve, KEY, { response_url: 'https://attacker.example/collect' })));
    expect(click.responseUrl).toBeUndefined();
  });

  it.each([
    ['no payload field', 'token=abc&team_id=T1', 'the request has no "payload" form field (not a Slack interactivity request)'],
    ['a payload that is not JSON', 'payload=%7Bnot-json', 'the "payload" field is not JSON'],
    ['a view submission', form({ type: 'view_submission', user: { id: 'U1' } }), 'unsupported interaction type "view_submission" (only block_actions)'],
    ['another app\'s button', form(blockActions('some-other-button', KEY)), 'no deploy-medic approval action in the payload (expected action_id deploy-medic-approve or deploy-medic-deny)'],
    ['a button without an incident key', form(blockActions(APPROVAL_ACTION_IDS.approve, '')), 'the approval button carries no incident key'],
    ['no user', form(blockActions(APPROVAL_ACTION_IDS.approve, KEY, { user: undefined })), 'the payload names no Slack user'],
  ])('refuses %s with a clear error', (_case, body, message) => {
    expect(() => parseApprovalClick(body)).toThrowError(new SlackInteractionError(message));
  });
});
