/**
 * Slack interactivity endpoint (API Gateway HTTP API, POST /slack/interactions): the Approve /
 * Deny buttons of an approval request land here.
 *
 *  1. verify the request is Slack's (X-Slack-Signature over the raw body, timestamp within
 *     5 minutes) - else 401 and nothing else happens;
 *  2. read the block_actions payload - else 400;
 *  3. optionally check the clicker is an allowed approver (APPROVAL_SLACK_USER_IDS);
 *  4. decide through the same engine as `medic approve|deny` (shared/approval/decideApproval.ts);
 *  5. answer Slack: HTTP 200 at once (Slack wants it within 3 s), and a message through the
 *     payload's response_url - in the channel when decided ("Approved by @x"), only to the
 *     clicker when refused (already decided by y, expired, not allowed).
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { type ApprovalWebhookConfig, loadApprovalWebhookConfig } from '../../shared/approval/approvalConfig';
import { ApprovalStore } from '../../shared/approval/approvalStore';
import { type ApprovalOutcome, type DecideApprovalRequest, decideApproval } from '../../shared/approval/decideApproval';
import { ApprovalError } from '../../shared/approval/errors';
import { type ApprovalClick, parseApprovalClick, SlackInteractionError, slackApprover } from '../../shared/approval/slackInteraction';
import { SlackSignatureError, verifySlackSignature } from '../../shared/approval/slackSignature';
import { slackSigningSecretLoader } from '../../shared/approval/slackSigningSecret';
import { postToSlack } from '../../shared/notify/slackHttp';
import { escapeMrkdwn } from '../../shared/notify/text';
import { instrumentHandler } from '../../shared/instrumentHandler';
import { logger, traced } from '../../shared/observability';

/** The part of an API Gateway HTTP API (payload format 2.0) request this endpoint reads. */
export interface HttpApiRequest {
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

export interface HttpApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** What goes to Slack's response_url (api.slack.com/interactivity/handling#message_responses). */
export interface SlackResponseMessage {
  response_type: 'in_channel' | 'ephemeral';
  replace_original: false;
  text: string;
}

export interface ApprovalWebhookDeps {
  /** The signing secret; `undefined` when Slack approvals are not configured. */
  signingSecret: () => Promise<string | undefined>;
  decide: (request: DecideApprovalRequest) => Promise<ApprovalOutcome>;
  respond: (responseUrl: string, message: SlackResponseMessage) => Promise<void>;
  allowedSlackUsers?: () => string[] | undefined;
  now?: () => Date;
}

export function makeApprovalWebhookHandler(deps: ApprovalWebhookDeps) {
  const webhook = async (event: HttpApiRequest): Promise<HttpApiResponse> => {
    const now = deps.now?.() ?? new Date();
    const header = (name: string) => {
      // HTTP API lower-cases header names; accept any case from other callers.
      const found = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name);
      return found?.[1];
    };
    // The signature covers the bytes Slack sent: decode base64 to exactly those, nothing else.
    const rawBody = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');

    const secret = await deps.signingSecret();
    if (secret === undefined) return answer(503, { error: 'Slack approvals are not configured (no signing secret)' });
    try {
      verifySlackSignature(secret, { signature: header('x-slack-signature'), timestamp: header('x-slack-request-timestamp'), rawBody }, now);
    } catch (error) {
      if (!(error instanceof SlackSignatureError)) throw error;
      logger.warn('slack request refused', { reason: error.message });
      return answer(401, { error: error.message });
    }

    let click: ApprovalClick;
    try {
      click = parseApprovalClick(rawBody);
    } catch (error) {
      if (!(error instanceof SlackInteractionError)) throw error;
      return answer(400, { error: error.message });
    }

    const who = slackApprover(click.user);
    const verb = click.decision === 'approved' ? 'approve' : 'deny';
    const allowed = deps.allowedSlackUsers?.();
    if (allowed !== undefined && !allowed.includes(click.user.id)) {
      logger.warn('approval refused: not an approver', { incidentKey: click.incidentKey, by: who, decision: click.decision });
      await reply(click, 'ephemeral', `:no_entry: You are not on this deploy-medic's approver list (APPROVAL_SLACK_USER_IDS); nothing was sent. Ask on-call to ${verb}.`);
      return answer(200, { ok: false, reason: 'not an approver' });
    }

    try {
      const outcome = await deps.decide({ incidentKey: click.incidentKey, decision: click.decision, by: who, via: 'slack', now });
      const text =
        outcome.decision === 'approved'
          ? `:white_check_mark: Approved by <@${click.user.id}> at ${outcome.at}: deploy-medic applies the plan now. This message is updated as it goes.`
          : `:no_entry_sign: Denied by <@${click.user.id}> at ${outcome.at}: nothing was done.`;
      await reply(click, 'in_channel', `${text}\nIncident \`${escapeMrkdwn(click.incidentKey)}\``);
      return answer(200, { ok: true, decision: outcome.decision });
    } catch (error) {
      if (error instanceof ApprovalError) {
        await reply(click, 'ephemeral', `:warning: ${escapeMrkdwn(error.message)}`);
        return answer(200, { ok: false, reason: error.name });
      }
      // Slack shows the clicker an error for a non-2xx: also say what to do.
      logger.error('approval not sent', { incidentKey: click.incidentKey, by: who, error: error as Error });
      await reply(click, 'ephemeral', `:warning: Could not ${verb} right now (${(error as Error).name}); nothing was decided. Try again, or run medic ${verb} '${click.incidentKey}'.`);
      return answer(200, { ok: false, reason: (error as Error).name });
    }
  };

  // The incident key is known only once the click is verified and parsed; its log lines name it.
  return instrumentHandler('approvalWebhook', webhook);

  async function reply(click: ApprovalClick, responseType: SlackResponseMessage['response_type'], text: string): Promise<void> {
    if (click.responseUrl === undefined) return;
    try {
      await deps.respond(click.responseUrl, { response_type: responseType, replace_original: false, text });
    } catch (error) {
      // The decision stands (or was refused) either way; the alerts tell the channel too.
      logger.warn('slack response_url reply failed', { incidentKey: click.incidentKey, error: error as Error });
    }
  }
}

function answer(statusCode: number, body: Record<string, unknown>): HttpApiResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

// ---- The Lambda: clients and providers built once per container. -------------------------

let settings: ApprovalWebhookConfig | undefined;
const config = (): ApprovalWebhookConfig => (settings ??= loadApprovalWebhookConfig());
const secretsProvider = new SecretsProvider({ awsSdkV3Client: traced(new SecretsManagerClient({})) });
const ssmProvider = new SSMProvider({ awsSdkV3Client: traced(new SSMClient({})) });
const store = new ApprovalStore({ dynamodb: traced(new DynamoDBClient({})), tableName: () => config().ledgerTable });
const sfn = traced(new SFNClient({}));

let signingSecret: (() => Promise<string>) | null | undefined;

export const handler = makeApprovalWebhookHandler({
  signingSecret: async () => {
    if (signingSecret === undefined) {
      const source = config().signingSecret;
      signingSecret = source ? slackSigningSecretLoader({ source, secrets: secretsProvider, ssm: ssmProvider }) : null;
    }
    return signingSecret ? signingSecret() : undefined;
  },
  decide: (request) => decideApproval({ store, sfn }, request),
  respond: async (url, message) => {
    // The response_url is a capability: never logged (postToSlack's errors do not name it).
    await postToSlack('response_url', url, message, {}, { timeoutMs: 2000, maxAttempts: 1 });
  },
  allowedSlackUsers: () => config().allowedSlackUsers,
});
