/**
 * Notify task: formats the run's state for people and machines and publishes it to the
 * alerts topic, with attributes subscribers filter on.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { loadConfig, type MedicConfig, requireSetting } from '../../shared/config';
import { formatNotification, type Phase } from '../../shared/notify/formatNotification';
import { publishToSns } from '../../shared/notify/publishToSns';
import { logger, traced } from '../../shared/observability';
import type { RunState } from '../../shared/runState';

export interface NotifyInput {
  phase: Phase;
  /** The whole run state (`$` in the ASL): whatever the run has learned so far. */
  run: RunState;
}

export function makeNotifyHandler(deps: { sns: SNSClient; topicArn: () => string; config: () => MedicConfig }) {
  return async ({ phase, run }: NotifyInput): Promise<{ phase: Phase; subject: string; messageId?: string }> => {
    const notification = formatNotification({
      phase,
      stage: deps.config().stage,
      mode: run.mode,
      incident: run.incident,
      diagnosis: run.diagnosis ?? run.triage,
      ...(run.remediation ? { remediation: run.remediation } : {}),
      ...(run.verification ? { verification: run.verification } : {}),
      ...(run.error ? { error: run.error } : {}),
    });
    const messageId = await publishToSns(deps.sns, deps.topicArn(), notification);
    logger.info('notified', { incidentKey: run.incident.key, phase, messageId, severity: notification.attributes.severity });
    return { phase, subject: notification.subject, ...(messageId ? { messageId } : {}) };
  };
}

export const handler = makeNotifyHandler({
  sns: traced(new SNSClient({})),
  topicArn: () => requireSetting('ALERTS_TOPIC_ARN'),
  config: () => loadConfig(),
});
