/** The ledger's conditional writes against moto_server's DynamoDB. */
import { describe, expect, inject, it } from 'vitest';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClients } from '../../cli/local/localAws';
import { Ledger } from '../../shared/ledger/ledger';

const ref = { region: 'us-east-1', account: '123456789012', cluster: 'prod', service: 'checkout-api' };
const arn = (rev: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/checkout-api:${rev}`;

async function freshLedger() {
  const { dynamodb } = localClients(inject('motoEndpoint'));
  const table = await createLedgerTable(dynamodb, `ledger-${Math.random().toString(36).slice(2, 8)}`);
  return new Ledger(dynamodb, table);
}

describe('Ledger', () => {
  describe('last known good', () => {
    it('is empty until a revision is reported good', async () => {
      expect(await (await freshLedger()).lastKnownGood(ref)).toBeUndefined();
    });

    it('keeps the newest report, whatever order the events arrive in', async () => {
      const ledger = await freshLedger();
      expect(await ledger.recordLastKnownGood(ref, { taskDefinitionArn: arn(6), recordedAt: '2025-03-14T09:00:00Z', source: 'SERVICE_STEADY_STATE' })).toBe(true);
      // A late, older COMPLETED for revision 5 must not win.
      expect(await ledger.recordLastKnownGood(ref, { taskDefinitionArn: arn(5), recordedAt: '2025-03-14T08:00:00Z', source: 'SERVICE_DEPLOYMENT_COMPLETED ecs-svc/5' })).toBe(false);
      expect(await ledger.lastKnownGood(ref)).toEqual({ taskDefinitionArn: arn(6), recordedAt: '2025-03-14T09:00:00Z', source: 'SERVICE_STEADY_STATE' });
    });
  });

  describe('failed launches', () => {
    it('counts each task once, however often its event is delivered', async () => {
      const ledger = await freshLedger();
      const key = 'ecs:us-east-1:123456789012:prod/checkout-api@checkout-api:7';
      expect(await ledger.countFailedLaunch(key, 'APP_CRASH', 'task/a')).toEqual({ count: 1, duplicate: false });
      expect(await ledger.countFailedLaunch(key, 'APP_CRASH', 'task/a')).toEqual({ count: 1, duplicate: true });
      expect(await ledger.countFailedLaunch(key, 'APP_CRASH', 'task/b')).toEqual({ count: 2, duplicate: false });
      // Another cause of the same revision counts on its own.
      expect(await ledger.countFailedLaunch(key, 'HEALTH_CHECK', 'task/c')).toEqual({ count: 1, duplicate: false });
    });

    it('remembers that the execution started, for the counts that follow, redeliveries included', async () => {
      const ledger = await freshLedger();
      const key = 'ecs:us-east-1:123456789012:prod/checkout-api@checkout-api:8';
      expect(await ledger.countFailedLaunch(key, 'OOM', 'task/a')).toEqual({ count: 1, duplicate: false });
      await ledger.markExecutionStarted(key, 'OOM');
      expect(await ledger.countFailedLaunch(key, 'OOM', 'task/a')).toEqual({ count: 1, duplicate: true, executionStarted: true });
      expect(await ledger.countFailedLaunch(key, 'OOM', 'task/b')).toEqual({ count: 2, duplicate: false, executionStarted: true });
      // The mark belongs to the cause's counter: another cause still starts (and finds) the execution itself.
      expect(await ledger.countFailedLaunch(key, 'APP_CRASH', 'task/c')).toEqual({ count: 1, duplicate: false });
    });
  });
});
