/**
 * Client request tokens for the CloudFormation calls deploy-medic makes. CloudFormation
 * stamps every event of an operation with its token, so a stack event carrying one of ours
 * was caused by our own remediation - and is not a new incident.
 */
import { createHash } from 'node:crypto';

const PREFIX = 'deploy-medic-';

/**
 * A token for one call of one incident: `deploy-medic-<hash of the key>-<when>`
 * (CloudFormation allows `[a-zA-Z0-9][-a-zA-Z0-9]*`, up to 128 characters).
 *
 * @example
 * ownRequestToken('cfn:us-east-1:111122223333:checkout-db@...:DELETE_FAILED', new Date()); // 'deploy-medic-3f1c0a9b2e-1741944000000'
 */
export function ownRequestToken(incidentKey: string, now: Date): string {
  return `${PREFIX}${createHash('sha256').update(incidentKey).digest('hex').slice(0, 10)}-${now.getTime()}`;
}

export const isOwnRequestToken = (token: string | undefined): boolean => token?.startsWith(PREFIX) ?? false;
