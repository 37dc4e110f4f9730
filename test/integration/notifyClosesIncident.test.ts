/**
 * Every ending reaches the ledger's incident record, on moto: the notify step moves it to where
 * the run ended - also for runs that never reach Remediate (a notify-only plan escalates) - and
 * gives back the concurrency slot the run held, whichever way it ended.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createAlertTopicWithInbox } from '../../cli/local/alertInbox';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClients } from '../../cli/local/localAws';
import { makeNotifyHandler } from '../../functions/notify/handler';
import { loadConfig } from '../../shared/config';
import { RemediationLedger } from '../../shared/ledger/guards';
import { LedgerStatusWriter } from '../../shared/ledger/statusWriter';
import { oomIncident, openedOomRun, resolvedOomRun } from '../unit/notifyFixtures';

async function setUp() {
  const clients = localClients(inject('motoEndpoint'));
  const table = await createLedgerTable(clients.dynamodb, `close-${randomUUID().slice(0, 8)}`);
  const ledger = new RemediationLedger(clients.dynamodb, table);
  await ledger.openIncident({ key: oomIncident.key, kind: 'ecs-service', category: 'OOM', mode: 'auto', executionName: 'exec', openedAt: '2025-03-14T10:00:00.000Z' });
  const inbox = await createAlertTopicWithInbox(clients.sns, clients.sqs, `close-${randomUUID().slice(0, 8)}`);
  const notify = makeNotifyHandler({ sns: clients.sns, topicArn: () => inbox.topicArn, config: () => loadConfig({ STAGE: 'test' }), ledger: new LedgerStatusWriter(clients.dynamodb, table) });
  return { ledger, notify };
}

describe('Notify closes the incident record', () => {
  it('a notify-only plan escalates: the record says escalated, with the reason', async () => {
    const { ledger, notify } = await setUp();
    const run = openedOomRun();
    run.diagnosis = { ...run.diagnosis, plan: { action: 'notify-only', reason: 'the image is missing from the registry: push it, then deploy again' } };

    await notify({ phase: 'escalated', run });

    expect(await ledger.incident(oomIncident.key)).toMatchObject({ status: 'escalated', statusReason: 'the image is missing from the registry: push it, then deploy again' });
  });

  it('a resolved ending is recorded too; a phase that does not end the run changes nothing', async () => {
    const { ledger, notify } = await setUp();
    await notify({ phase: 'opened', run: openedOomRun() });
    expect(await ledger.incident(oomIncident.key)).toMatchObject({ status: 'opened' });
    await notify({ phase: 'resolved', run: resolvedOomRun() });
    expect(await ledger.incident(oomIncident.key)).toMatchObject({ status: 'resolved' });
  });

  it('a run that held a concurrency slot: its ending frees the slot with the record, resolved or escalated', async () => {
    const { ledger, notify } = await setUp();
    const guards = loadConfig({}).guards;
    const holdUntil = Math.floor(Date.now() / 1000) + 3_600;
    for (const [phase, execution] of [['resolved', 'exec-resolved'], ['escalated', 'exec-escalated']] as const) {
      await ledger.admit(`ecs-service#${execution}`, { executionName: execution, actionId: `${execution}#1#ecs-resize-memory`, holdUntil }, guards);
      expect(await ledger.slotHolders()).toContain(execution);
      const run = resolvedOomRun();
      run.remediation = { ...run.remediation!, slotHolder: execution };

      await notify({ phase, run });

      expect(await ledger.slotHolders()).not.toContain(execution);
      expect(await ledger.incident(oomIncident.key)).toMatchObject({ status: phase });
    }
  });

  it('a failed record update never fails the alert (it is already out)', async () => {
    const clients = localClients(inject('motoEndpoint'));
    const inbox = await createAlertTopicWithInbox(clients.sns, clients.sqs, `close-${randomUUID().slice(0, 8)}`);
    const failing = makeNotifyHandler({
      sns: clients.sns,
      topicArn: () => inbox.topicArn,
      config: () => loadConfig({ STAGE: 'test' }),
      ledger: { closeIncident: async () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })) },
    });
    const result = await failing({ phase: 'escalated', run: openedOomRun() });
    expect(result).toMatchObject({ phase: 'escalated', messageId: expect.any(String) });
  });
});
