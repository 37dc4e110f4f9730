/**
 * Deletes one proven orphan (the proof is clashingOrphans.ts; the caller holds a plan that
 * passed it). Idempotent: already gone is done.
 */
import { DeleteSecurityGroupCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DeleteDBSubnetGroupCommand, type RDSClient } from '@aws-sdk/client-rds';
import { transientAware } from '../aws/transient';
import { errorName } from '../preflight/awsErrors';
import type { ClashingOrphan } from './clashingOrphans';

interface Remover {
  /** Returns false when it was already gone. */
  remove(clients: { ec2: EC2Client; rds: RDSClient }, orphan: ClashingOrphan): Promise<boolean>;
  iamActions: string[];
}

/** One remover per type of ORPHAN_TYPES. */
export const ORPHAN_REMOVERS: Record<string, Remover> = {
  'AWS::EC2::SecurityGroup': {
    async remove({ ec2 }, orphan) {
      try {
        await transientAware('DeleteSecurityGroup', () => ec2.send(new DeleteSecurityGroupCommand({ GroupId: orphan.physicalId })));
        return true;
      } catch (error) {
        if (errorName(error) === 'InvalidGroup.NotFound') return false;
        throw error;
      }
    },
    iamActions: ['ec2:DeleteSecurityGroup'],
  },
  'AWS::RDS::DBSubnetGroup': {
    async remove({ rds }, orphan) {
      try {
        await transientAware('DeleteDBSubnetGroup', () => rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: orphan.physicalId })));
        return true;
      } catch (error) {
        if (errorName(error) === 'DBSubnetGroupNotFoundFault') return false;
        throw error;
      }
    },
    iamActions: ['rds:DeleteDBSubnetGroup'],
  },
};
