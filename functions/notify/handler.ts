/**
 * Notify task: tells on-call where they are. One call per phase of the run:
 *
 * 1. reads the Slack credential (cached 5 min), so a throttled read fails before anything is sent;
 * 2. renders the incident report and stores it (`REPORTS_BUCKET`; skipped, and said so, without it);
 * 3. publishes the alert to the SNS topic - text, JSON, the Amazon Q Developer custom
 *    notification, and the attributes subscribers filter on;
 * 4. posts or updates the incident's Slack message (when Slack is configured).
 *
 * Returns the incident's Slack thread (`slack`: `{channel, ts}` with a bot token, else `null`),
 * which the state machine keeps for the later phases.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type IncidentStatus, LedgerStatusWriter } from '../../shared/ledger/statusWriter';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { type ApprovalNote, approvalSlackThread } from '../../shared/approval/approvalNote';
import { loadConfig, type MedicConfig, requireSetting } from '../../shared/config';
import { TransientAwsError } from '../../shared/errors';
import { formatNotification, notificationInputFrom, type NotificationInput, type Phase } from '../../shared/notify/formatNotification';
import { renderIncidentReport, reportKeyFor } from '../../shared/notify/incidentReport';
import { describeIncident } from '../../shared/notify/incidentView';
import type { ReportLink } from '../../shared/notify/links';
import { loadNotifyConfig, type NotifyConfig } from '../../shared/notify/notifyConfig';
import { publishToSns } from '../../shared/notify/publishToSns';
import { notifyLogger as log } from '../../shared/notify/redact';
import { type SlackCredentials, slackCredentialsLoader } from '../../shared/notify/slackCredentials';
import { type SlackDelivery, SlackNotifier, type SlackThread } from '../../shared/notify/slackNotifier';
import { type ReportStore, storeIncidentReport } from '../../shared/notify/storeIncidentReport';
import { instrumentHandler } from '../../shared/instrumentHandler';
import { approvalsPending, executionOutcome, timeToResolveSeconds } from '../../shared/metrics';
import { traced } from '../../shared/observability';
import type { RunState } from '../../shared/runState';

export interface NotifyInput {
  phase: Phase;
  /**
   * The whole run state (`$` in the ASL): whatever the run has learned so far. `notify.slack`
   * is the Slack thread an earlier Notify returned, when the ASL keeps it (ResultPath `$.notify`).
   */
  run: RunState & { notify?: { slack?: SlackThread | null } };
  /** The incident's Slack thread, when the ASL passes it explicitly; wins over `run.notify.slack`. */
  slack?: SlackThread | null;
  /** When the execution started (`$$.Execution.StartTime`): the incident's opened time. */
  openedAt?: string;
  /** Approve mode: what to say about the approval when the run state cannot say it yet (the request's deadline). */
  approval?: ApprovalNote;
}

export interface NotifyResult {
  phase: Phase;
  subject: string;
  messageId?: string;
  /** The incident's Slack message for the later phases; always present (`null`: none), so the ASL can select it. */
  slack: SlackThread | null;
  /** What happened in Slack: `disabled` when no Slack credential is configured. */
  slackDelivery: SlackDelivery['action'] | 'disabled';
  report: ReportLink;
}

export interface NotifyDeps {
  sns: SNSClient;
  topicArn: () => string;
  config: () => MedicConfig;
  /** The docs base URL for runbook links; absent: alerts quote the runbook path. */
  notifyConfig?: () => Pick<NotifyConfig, 'docsBaseUrl'>;
  /** The Slack notifier; absent or `undefined`: Slack is not configured. */
  slack?: () => SlackNotifier | undefined;
  /** Where reports go; absent or `undefined`: `REPORTS_BUCKET` is not set. */
  reports?: () => ReportStore | undefined;
  /** The ledger's incident record, moved to where the run ended; absent: no ledger (local runs, tests). */
  ledger?: Pick<LedgerStatusWriter, 'closeIncident'>;
  now?: () => Date;
}

/** The phases that end a run, and the incident status each leaves in the ledger. */
const FINAL_STATUS: Partial<Record<Phase, IncidentStatus>> = {
  resolved: 'resolved',
  escalated: 'escalated',
  observed: 'observed',
  denied: 'denied',
  'approval-timed-out': 'approval-timed-out',
};

export function makeNotifyHandler(deps: NotifyDeps) {
  const notify = async (input: NotifyInput): Promise<NotifyResult> => {
    const { phase, run } = input;
    const now = deps.now?.() ?? new Date();
    // The incident's Slack message: explicit, kept by the ASL, or carried back by an approval decision.
    const thread = input.slack ?? run.notify?.slack ?? approvalSlackThread(run);
    const stage = deps.config().stage;
    const incidentKey = run.incident.key;

    // Broken alert settings (a bad DOCS_BASE_URL, an unreadable Slack secret) must not cost the
    // SNS alert: it goes out with what works, then the task fails with the reason.
    let unusable: Error | undefined;
    const setting = <T>(read: () => T): T | undefined => {
      try {
        return read();
      } catch (error) {
        unusable ??= error as Error;
        return undefined;
      }
    };
    const docsBaseUrl = setting(() => deps.notifyConfig?.().docsBaseUrl);
    const slack = setting(() => deps.slack?.());
    const reports = setting(() => deps.reports?.());

    // 1. The Slack credential before anything is published: a retried throttle then repeats nothing.
    let credentials: SlackCredentials | undefined;
    if (slack) {
      try {
        credentials = await slack.credentials();
      } catch (error) {
        if (error instanceof TransientAwsError) throw error;
        unusable ??= error as Error;
      }
    }

    // 2. The report, so the alert can link to it.
    const report = await storeReport(reports, input, { now, stage, docsBaseUrl });

    // 3. SNS.
    const alert: NotificationInput = {
      ...notificationInputFrom(run, phase, { stage, openedAt: input.openedAt, docsBaseUrl }),
      ...(input.approval ? { approval: input.approval } : {}),
      report,
      now,
    };
    const notification = formatNotification(alert);
    const messageId = await publishToSns(deps.sns, deps.topicArn(), notification);
    // The incident's outcome is told once the alert is out, whatever Slack does next.
    recordOutcome(phase, input.openedAt, now);
    if (approvalDecidedAt(phase, run)) approvalsPending(-1);
    await closeIncidentRecord(deps.ledger, phase, run, incidentKey);

    // 4. Slack.
    let delivery: SlackDelivery | undefined;
    try {
      if (unusable) throw unusable;
      if (slack) delivery = await slack.deliver(describeIncident(alert, now), thread, credentials);
    } catch (error) {
      const e = error as Error;
      e.message = `${e.message} (the SNS alert ${messageId ?? ''} was published)`;
      log.error('alert not delivered everywhere', { incidentKey, phase, messageId, error: e });
      throw e;
    }

    log.info('notified', {
      incidentKey,
      phase,
      messageId,
      severity: notification.attributes.severity,
      slack: delivery ? `${delivery.mode} ${delivery.action}` : 'disabled',
      report: 'url' in report ? report.key : report.note,
    });
    return {
      phase,
      subject: notification.subject,
      ...(messageId ? { messageId } : {}),
      slack: delivery?.thread ?? thread,
      slackDelivery: delivery?.action ?? 'disabled',
      report,
    };
  };
  return instrumentHandler('notify', notify, {
    incidentKeyOf: (input) => input.run.incident.key,
    annotationsOf: (input) => ({ phase: input.phase, category: input.run.diagnosis?.category, action: input.run.diagnosis?.plan?.action }),
  });
}

/** Incident outcomes and time to resolve (shared/metrics.ts); opened and observed are not outcomes. */
function recordOutcome(phase: Phase, openedAt: string | undefined, now: Date): void {
  if (phase !== 'resolved' && phase !== 'escalated') return;
  executionOutcome(phase);
  if (phase === 'resolved' && openedAt !== undefined) timeToResolveSeconds(openedAt, now);
}

async function storeReport(
  store: ReportStore | undefined,
  input: NotifyInput,
  context: { now: Date; stage: string; docsBaseUrl: string | undefined },
): Promise<ReportLink> {
  if (store === undefined) return { note: 'not stored (REPORTS_BUCKET is not set)' };
  const key = reportKeyFor(input.run.incident.key);
  const markdown = renderIncidentReport(input.run, input.phase, context.now, {
    stage: context.stage,
    ...(input.openedAt ? { openedAt: input.openedAt } : {}),
    ...(context.docsBaseUrl ? { docsBaseUrl: context.docsBaseUrl } : {}),
  });
  try {
    return await storeIncidentReport(store, key, markdown);
  } catch (error) {
    // The alert matters more than its report: send it, and say the report is missing.
    log.warn('incident report not stored', { bucket: store.bucket, key, error: error as Error });
    return { note: `not stored (writing s3://${store.bucket}/${key} failed: ${(error as Error).name})` };
  }
}

// ---- The Lambda: clients and providers built once per container. -------------------------

const secretsProvider = new SecretsProvider({ awsSdkV3Client: traced(new SecretsManagerClient({})) });
const ssmProvider = new SSMProvider({ awsSdkV3Client: traced(new SSMClient({})) });
const s3 = traced(new S3Client({}));

let settings: NotifyConfig | undefined;
const notifyConfig = (): NotifyConfig => (settings ??= loadNotifyConfig());

let notifier: SlackNotifier | null | undefined;
function slackNotifier(): SlackNotifier | undefined {
  if (notifier === undefined) {
    const slack = notifyConfig().slack;
    notifier = slack
      ? new SlackNotifier({
          credentials: slackCredentialsLoader({
            source: slack.source,
            ...(slack.channel ? { defaultChannel: slack.channel } : {}),
            secrets: secretsProvider,
            ssm: ssmProvider,
          }),
        })
      : null;
  }
  return notifier ?? undefined;
}

/**
 * Every ending reaches the ledger's incident record - also the ones that never reach Remediate
 * (a notify-only plan, a failed Diagnose, a denial) - and frees the run's concurrency slot, if it
 * held one: the run changes nothing more, whether it ended resolved or escalated (a crash before
 * this still frees it, when the slot expires). One call for both. The alert is already out: a
 * failed write is logged, never thrown, or the retried Notify would alert twice.
 */
async function closeIncidentRecord(ledger: NotifyDeps['ledger'], phase: Phase, run: NotifyInput['run'], incidentKey: string): Promise<void> {
  const ending = FINAL_STATUS[phase];
  if (ledger === undefined || ending === undefined) return;
  const diagnosis = run.diagnosis ?? run.triage;
  // An escalation because a cap or the loop breaker refused the action keeps saying so (the
  // status Remediate wrote, with the guard's reason), rather than the plan it did not run.
  const refused = phase === 'escalated' ? run.remediation?.refused : undefined;
  const status = refused ? 'refused' : ending;
  const reason = refused?.reason ?? (run.error ? `${run.error.Error ?? 'error'}: ${(run.error.Cause ?? '').slice(0, 300)}` : diagnosis?.plan?.reason);
  try {
    await ledger.closeIncident(
      incidentKey,
      { status, ...(reason ? { reason } : {}), mode: run.mode, ...(diagnosis?.category ? { category: diagnosis.category } : {}) },
      run.remediation?.slotHolder,
    );
  } catch (error) {
    log.warn('incident record not updated', { incidentKey, phase, error: error as Error });
  }
}

export const handler = makeNotifyHandler({
  ledger: new LedgerStatusWriter(traced(new DynamoDBClient({})), () => requireSetting('LEDGER_TABLE')),
  sns: traced(new SNSClient({})),
  topicArn: () => requireSetting('ALERTS_TOPIC_ARN'),
  config: () => loadConfig(),
  notifyConfig,
  slack: slackNotifier,
  reports: () => {
    const { reportsBucket, region } = notifyConfig();
    return reportsBucket ? { s3, bucket: reportsBucket, region } : undefined;
  },
});

/**
 * The first alert after a decision closes the approval's pending count (ApprovalsPending, +1 when
 * the approval function asked): approved -> the opened alert, denied -> its own, an answer that
 * says neither -> escalated. A timeout is counted by the approval function's expire step.
 */
function approvalDecidedAt(phase: Phase, run: NotifyInput['run']): boolean {
  const decision = (run.approval as { decision?: unknown } | undefined)?.decision;
  if (run.approval === undefined && run.approvalError === undefined) return false;
  if (phase === 'denied') return true;
  if (phase === 'opened') return decision === 'approved';
  if (phase === 'escalated') return decision !== 'approved' && decision !== 'timed-out' && run.approvalError?.Error !== 'States.Timeout';
  return false;
}
