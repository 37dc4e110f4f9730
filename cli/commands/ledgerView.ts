/**
 * What the ledger says about one incident, for `medic status`: the incident record (where it
 * stands, and why), every audited action (who, what, when, before -> after, applied / dry-run /
 * refused) and its approval (pending until when, or who decided, how and why).
 *
 * Read-only, and never in the way: when the table cannot be found or read, the view says why
 * and `medic status` still prints the execution. The approval's task token is never shown (it
 * is what lets anyone answer for on-call).
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type ApprovalRecord, ApprovalStore } from '../../shared/approval/approvalStore';
import { readAuditTrail } from '../../shared/ledger/auditTrail';
import { Ledger } from '../../shared/ledger/ledger';
import type { ActionAudit } from '../../shared/ledger/statusWriter';
import { deploymentOutput } from '../deployment';

export interface LedgerView {
  table?: string;
  /** Why the ledger was not read (no table found, access denied ...); nothing else is set then. */
  unavailable?: string;
  record?: NonNullable<Awaited<ReturnType<Ledger['incident']>>>;
  audit?: ActionAudit[];
  /** The approval as stored, less its task token (and the Slack message it is threaded to). */
  approval?: Omit<ApprovalRecord, 'taskToken' | 'slack'>;
}

/**
 * @example
 * const view = await readLedgerView({ cloudformation, dynamodb }, incidentKey, { stage: 'prod' });
 * for (const line of formatLedgerView(view)) console.log(line);
 */
export async function readLedgerView(
  io: { cloudformation: CloudFormationClient; dynamodb: DynamoDBClient },
  incidentKey: string,
  options: { stage: string; table?: string | undefined },
): Promise<LedgerView> {
  let table: string;
  try {
    table = await deploymentOutput(io.cloudformation, 'LedgerTableName', { stage: options.stage, explicit: options.table });
  } catch (error) {
    return { unavailable: (error as Error).message };
  }
  try {
    const [record, audit, approval] = await Promise.all([
      new Ledger(io.dynamodb, table).incident(incidentKey),
      readAuditTrail(io.dynamodb, table, incidentKey),
      new ApprovalStore({ dynamodb: io.dynamodb, tableName: table }).get(incidentKey),
    ]);
    const view: LedgerView = { table, audit, ...(record ? { record } : {}) };
    if (approval) {
      const { taskToken: _secret, slack: _thread, ...shown } = approval;
      view.approval = shown;
    }
    return view;
  } catch (error) {
    return { table, unavailable: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** A state as one short JSON line (before/after can be large: a whole task definition's sizes). */
const brief = (state: Record<string, unknown>) => {
  const json = JSON.stringify(state);
  return json.length > 200 ? `${json.slice(0, 199)}…` : json;
};

export function formatLedgerView(view: LedgerView): string[] {
  if (view.unavailable !== undefined) return [`ledger: not read - ${view.unavailable}`];
  const lines: string[] = [];
  const { record, audit = [], approval } = view;
  if (record) {
    lines.push(`record: ${record.status}${record.updatedAt ? ` since ${record.updatedAt}` : ''}${record.statusReason ? ` - ${record.statusReason}` : ''}`);
    lines.push(`  opened ${record.openedAt}, ${record.deliveries} ${record.deliveries === 1 ? 'delivery' : 'deliveries'}, mode ${record.mode}, ${record.category}`);
  } else {
    lines.push(`record: none in ${view.table} (ingest opens one when it starts the execution)`);
  }
  for (const entry of audit) {
    lines.push(`audit: ${entry.at} ${entry.action} ${entry.result} (${entry.mode}) by ${entry.who.function} (${entry.who.execution})`);
    for (const step of entry.steps) lines.push(`  ${step}`);
    const before = entry.before ?? {};
    const after = entry.after ?? {};
    if (Object.keys(before).length > 0 || Object.keys(after).length > 0) lines.push(`  before ${brief(before)} -> after ${brief(after)}`);
  }
  if (approval) {
    if (approval.status === 'pending') lines.push(`approval: pending since ${approval.requestedAt}, waits until ${approval.deadline} for ${approval.action} (medic approve|deny)`);
    else if (approval.status === 'expired') lines.push(`approval: expired${approval.expiredReason ? ` (${approval.expiredReason})` : ''} - ${approval.action} was not done`);
    else lines.push(`approval: ${approval.status} by ${approval.decidedBy ?? 'unknown'} at ${approval.decidedAt ?? '?'}${approval.via ? ` via ${approval.via}` : ''}${approval.reason ? `: ${approval.reason}` : ''}`);
  }
  return lines;
}
