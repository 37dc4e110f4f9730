/**
 * The ledger writes a step makes together, against moto_server's DynamoDB (real transactions,
 * real cancellations with their CancellationReasons):
 *  - Remediate, once it acted: the audit entry, the incident's status and the caused-by-us
 *    marker in one TransactWriteItems. Without an incident record (only ingest opens one: an
 *    emergency rollback has none) DynamoDB cancels the transaction on that write's condition,
 *    and the audit entry and the marker still land, one UpdateItem each.
 *  - The run's end (Notify's LedgerStatusWriter.closeIncident): the slot released and the
 *    incident's final status in one TransactWriteItems; a slot already gone or no record cancels
 *    it, and the other write lands alone. No slot to release (an unguarded run): one UpdateItem.
 */
import { describe, expect, inject, it } from 'vitest';
import { simulateEcsScheduler } from '../../cli/local/ecsSchedulerSimulator';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { type ApiCallLog, countCalls, localClients } from '../../cli/local/localAws';
import { makeDiagnoseHandler } from '../../functions/diagnose/handler';
import { makeRemediateHandler } from '../../functions/remediate/handler';
import { loadConfig } from '../../shared/config';
import { executionNameFor } from '../../shared/incident';
import { readAuditTrail } from '../../shared/ledger/auditTrail';
import { RemediationLedger } from '../../shared/ledger/guards';
import { resourceKeyOf } from '../../shared/ledger/ledger';
import { LedgerStatusWriter } from '../../shared/ledger/statusWriter';
import { oomIncidentOnMoto } from '../support/oomIncidentOnMoto';

/** An OOM incident on a moto ECS service, diagnosed; the remediate handler's ledger counts its DynamoDB calls. */
async function oomIncident() {
  const moto = localClients(inject('motoEndpoint'));
  // moto has no ECS scheduler: the simulator reports the rollouts our writes (to moto) start.
  const aws = { ...moto, ecs: simulateEcsScheduler(moto.ecs, { tasksStartedPerLook: 10 }) };
  const { id, event, incident } = await oomIncidentOnMoto(aws.ecs);
  const config = () => loadConfig({ MEDIC_MODE: 'auto' });
  const table = await createLedgerTable(moto.dynamodb, `together-${id}`);
  const ledger = new RemediationLedger(moto.dynamodb, table);
  const ledgerCalls: ApiCallLog = [];
  const countedLedger = new RemediationLedger(countCalls(localClients(inject('motoEndpoint')).dynamodb, 'DynamoDB', ledgerCalls), table);
  const diagnosis = await makeDiagnoseHandler({ ...aws, config })({ incident, event, mode: 'auto' });
  const execution = executionNameFor(incident.key);
  const closeCalls: ApiCallLog = [];
  const closingLedger = new LedgerStatusWriter(countCalls(localClients(inject('motoEndpoint')).dynamodb, 'DynamoDB', closeCalls), table);
  return {
    incident,
    diagnosis,
    ledger,
    execution,
    ledgerCalls: () => ledgerCalls.map((c) => c.call),
    closeCalls: () => closeCalls.map((c) => c.call),
    remediate: makeRemediateHandler({ ...aws, ledger: countedLedger, config }),
    closeIncident: (slotHolder?: string) => closingLedger.closeIncident(incident.key, { status: 'resolved' }, slotHolder),
    openRecord: () => ledger.openIncident({ key: incident.key, kind: 'ecs-service', category: 'OOM', mode: 'auto', executionName: execution, openedAt: '2026-11-29T12:00:00.000Z' }),
    auditTrail: () => readAuditTrail(moto.dynamodb, table, incident.key),
  };
}

describe('Remediate: the audit entry, the incident status and the caused-by-us marker in one call (moto DynamoDB)', () => {
  it('with the incident record ingest opened: one TransactWriteItems after the admission, and all three land', async () => {
    const { incident, diagnosis, ledger, execution, ledgerCalls, remediate, openRecord, auditTrail } = await oomIncident();
    await openRecord();

    const result = await remediate({ incident, diagnosis, mode: 'auto', guard: { execution, attempt: 1 } });

    expect(result.applied).toBe(true);
    // Admission (read, then its own transaction), then the step's outcome: one transaction.
    expect(ledgerCalls()).toEqual(['DynamoDB.BatchGetItem', 'DynamoDB.TransactWriteItems', 'DynamoDB.TransactWriteItems']);
    expect(await ledger.incident(incident.key)).toMatchObject({ status: 'remediating', mode: 'auto', category: 'OOM', deliveries: 1 });
    expect((await auditTrail()).map((entry) => [entry.actionId, entry.result])).toEqual([[`${execution}#1#ecs-resize-memory`, 'applied']]);
    expect(await ledger.causedByUs(resourceKeyOf(incident), result.targetDeploymentId!)).toMatchObject({ executionName: execution, incidentKey: incident.key, watchUntil: result.verifyDeadline });
  });

  it('without an incident record: the transaction is cancelled on that condition alone, and the audit entry and the marker land one by one', async () => {
    const { incident, diagnosis, ledger, execution, ledgerCalls, remediate, auditTrail } = await oomIncident();

    const result = await remediate({ incident, diagnosis, mode: 'auto', guard: { execution, attempt: 1 } });

    expect(result.applied).toBe(true);
    // The incident status is not sent again: alone, its condition would fail the same way, and that is an answer.
    expect(ledgerCalls()).toEqual(['DynamoDB.BatchGetItem', 'DynamoDB.TransactWriteItems', 'DynamoDB.TransactWriteItems', 'DynamoDB.UpdateItem', 'DynamoDB.UpdateItem']);
    expect(await ledger.incident(incident.key)).toBeUndefined();
    expect((await auditTrail()).map((entry) => entry.result)).toEqual(['applied']);
    expect(await ledger.causedByUs(resourceKeyOf(incident), result.targetDeploymentId!)).toMatchObject({ executionName: execution, incidentKey: incident.key });
  });
});

describe('The run\'s end: the slot released and the incident closed in one call (moto DynamoDB)', () => {
  it('a held slot and the incident record: one TransactWriteItems, and both land', async () => {
    const { incident, diagnosis, ledger, execution, closeCalls, remediate, closeIncident, openRecord } = await oomIncident();
    await openRecord();
    const remediation = await remediate({ incident, diagnosis, mode: 'auto', guard: { execution, attempt: 1 } });
    expect(await ledger.slotHolders()).toEqual([execution]);

    await closeIncident(remediation.slotHolder);

    expect(closeCalls()).toEqual(['DynamoDB.TransactWriteItems']);
    expect(await ledger.slotHolders()).toEqual([]);
    expect(await ledger.incident(incident.key)).toMatchObject({ status: 'resolved' });
  });

  it('the slot already released (expired, or a retried Notify): the transaction is cancelled on that condition, and the incident is closed alone', async () => {
    const { incident, diagnosis, ledger, execution, closeCalls, remediate, closeIncident, openRecord } = await oomIncident();
    await openRecord();
    const remediation = await remediate({ incident, diagnosis, mode: 'auto', guard: { execution, attempt: 1 } });
    await ledger.releaseSlot(execution);

    await closeIncident(remediation.slotHolder);

    expect(closeCalls()).toEqual(['DynamoDB.TransactWriteItems', 'DynamoDB.UpdateItem']);
    expect(await ledger.incident(incident.key)).toMatchObject({ status: 'resolved' });
  });

  it('no incident record: the slot is still released, alone', async () => {
    const { incident, diagnosis, ledger, execution, closeCalls, remediate, closeIncident } = await oomIncident();
    const remediation = await remediate({ incident, diagnosis, mode: 'auto', guard: { execution, attempt: 1 } });

    await closeIncident(remediation.slotHolder);

    expect(closeCalls()).toEqual(['DynamoDB.TransactWriteItems', 'DynamoDB.UpdateItem']);
    expect(await ledger.slotHolders()).toEqual([]);
    expect(await ledger.incident(incident.key)).toBeUndefined();
  });

  it('no slot to release (an unguarded run): one UpdateItem, no transaction', async () => {
    const { incident, diagnosis, ledger, closeCalls, remediate, closeIncident, openRecord } = await oomIncident();
    await openRecord();
    const remediation = await remediate({ incident, diagnosis, mode: 'auto' });
    expect(remediation.slotHolder).toBeUndefined();

    await closeIncident(remediation.slotHolder);

    expect(closeCalls()).toEqual(['DynamoDB.UpdateItem']);
    expect(await ledger.incident(incident.key)).toMatchObject({ status: 'resolved' });
  });
});
