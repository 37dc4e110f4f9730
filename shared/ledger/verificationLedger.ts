/**
 * The ledger as CheckDeployment uses it: once the change is verified steady, the incident is
 * resolved and the remediation's concurrency slot goes back (it would expire at the end of the
 * verify window anyway) - in one call.
 */
import { incidentStatusWrite, LedgerStatusWriter, releaseSlotWrite } from './statusWriter';
import { writeTogether } from './writeTogether';

export class VerificationLedger extends LedgerStatusWriter {
  /**
   * One TransactWriteItems for both writes; with no slot to release (an unguarded run), the one
   * UpdateItem. Either condition failing is an answer (the slot already released or expired, no
   * incident record): DynamoDB cancels the transaction, and the other write is made alone
   * (shared/ledger/writeTogether.ts).
   *
   * @example
   * await ledger.resolveVerified(incident.key, remediation.slotHolder);
   */
  async resolveVerified(incidentKey: string, slotHolder?: string): Promise<void> {
    await writeTogether(this.dynamodb, this.table(), [
      ...(slotHolder !== undefined ? [releaseSlotWrite(slotHolder)] : []),
      incidentStatusWrite(incidentKey, { status: 'resolved' }, this.now()),
    ]);
  }
}
