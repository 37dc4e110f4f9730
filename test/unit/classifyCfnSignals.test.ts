import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyCfnSignals } from '../../shared/diagnosis/cfn/classifyCfnSignals';
import type { CfnSignal } from '../../shared/diagnosis/cfn/rules';
import { CFN_CATEGORIES } from '../../shared/taxonomy';

const classify = (text: string, context: Omit<CfnSignal, 'text'> = {}) => classifyCfnSignals([{ text, ...context }]);

describe('classifyCfnSignals (the CloudFormation engine)', () => {
  describe('facts the planner needs', () => {
    it('DEPENDENCY_VIOLATION names the resource that cannot be deleted', () => {
      const c = classify('resource sg-0a1b2c3d4e5f60718 has a dependent object (Service: AmazonEC2; Status Code: 400; Error Code: DependencyViolation; Request ID: x; Proxy: null)', {
        resourceType: 'AWS::EC2::SecurityGroup',
        status: 'DELETE_FAILED',
        logicalResourceId: 'DatabaseSecurityGroup',
      });
      expect(c).toMatchObject({ category: 'DEPENDENCY_VIOLATION', confidence: 0.95, ruleId: 'ec2-dependency-violation', facts: { resourceId: 'sg-0a1b2c3d4e5f60718' } });
      expect(c.evidence).toEqual([
        'DatabaseSecurityGroup AWS::EC2::SecurityGroup DELETE_FAILED: "resource sg-0a1b2c3d4e5f60718 has a dependent object (Service: AmazonEC2; Status Code: 400; Error Code: DependencyViolation; Request ID: x; Proxy: null)"',
        'cannot be deleted: sg-0a1b2c3d4e5f60718',
      ]);
    });

    it('a text that names no id takes the event physical id (an S3 bucket does not say its own name)', () => {
      expect(classify('The bucket you tried to delete is not empty. You must delete all versions in the bucket.', { physicalResourceId: 'checkout-assets-prod' }).facts).toEqual({
        dependents: 'object versions',
        resourceId: 'checkout-assets-prod',
      });
    });

    it('RESOURCE_IN_USE names the subnet group and the DB instance or cluster that holds it', () => {
      expect(classify("Cannot delete the subnet group 'checkout-db-subnets' because at least one database instance: checkout-db is still using it.").facts).toEqual({
        resourceId: 'checkout-db-subnets',
        usedByType: 'db-instance',
        usedBy: 'checkout-db',
      });
    });

    it.each([
      ['The maximum number of VPCs has been reached.', { quota: 'VPCs' }],
      ['Cannot exceed quota for PoliciesPerGroup: 10 (Service: AmazonIdentityManagement; Status Code: 409; Error Code: LimitExceeded;', { quota: 'PoliciesPerGroup', limit: '10' }],
      [
        'You have requested more vCPU capacity than your current vCPU limit of 32 allows for the instance bucket that the specified instance type belongs to.',
        { quota: 'vCPUs for the instance family (Running On-Demand instances)', limit: '32' },
      ],
      ['An error occurred (VcpuLimitExceeded) when calling the RunInstances operation', { quota: 'vCPUs for the instance family (Running On-Demand instances)', errorCode: 'VcpuLimitExceeded' }],
    ])('QUOTA_LIMIT names the quota: %s', (text, facts) => {
      const c = classify(text);
      expect(c.category).toBe('QUOTA_LIMIT');
      expect(c.facts).toEqual(facts);
    });

    it('ALREADY_EXISTS names the clashing name, and the other stack when one owns it', () => {
      expect(classify('checkout-assets-prod already exists').facts).toEqual({ name: 'checkout-assets-prod' });
      expect(classify('software-csv-data already exists in stack arn:aws:cloudformation:us-east-1:111122223333:stack/data-pipeline/bd8fcf70').facts).toEqual({
        name: 'software-csv-data',
        ownerStack: 'arn:aws:cloudformation:us-east-1:111122223333:stack/data-pipeline/bd8fcf70',
      });
    });
  });

  describe('precedence: the service words decide, wrappers first, handler codes last', () => {
    it('a custom resource quoting an IAM conflict is a CUSTOM_RESOURCE failure, not a dependency CloudFormation can clean up', () => {
      const c = classify('Received response status [FAILED] from custom resource. Message returned: Cannot delete entity, must detach all policies first. (RequestId: ef5d)');
      expect(c).toMatchObject({ category: 'CUSTOM_RESOURCE', ruleId: 'custom-resource-failed-response', facts: { message: 'Cannot delete entity, must detach all policies first.', requestId: 'ef5d' } });
    });

    it('a parameter that names nothing is INVALID_TEMPLATE_OR_PARAM, though it says "does not exist"', () => {
      expect(classify('Parameter validation failed: parameter value for parameter name KeyName does not exist. Rollback requested by user.')).toMatchObject({
        category: 'INVALID_TEMPLATE_OR_PARAM',
        facts: { parameters: 'KeyName' },
      });
    });

    it("EC2's RequestLimitExceeded is THROTTLING (request rate), not a quota", () => {
      expect(classify('Request limit exceeded. (Service: AmazonEC2; Status Code: 503; Error Code: RequestLimitExceeded; Request ID: x)').category).toBe('THROTTLING');
    });

    it('a dependency the handler reports as InvalidRequest is still a DEPENDENCY_VIOLATION', () => {
      expect(classify('Resource handler returned message: "The vpc \'vpc-0bb2\' has dependencies and cannot be deleted. (Service: Ec2, Status Code: 400, Request ID: x)" (RequestToken: y, HandlerErrorCode: InvalidRequest)').category).toBe(
        'DEPENDENCY_VIOLATION',
      );
    });

    it('a handler code with no words is not trusted: "null" + AlreadyExists is UNKNOWN (a provider reports quotas that way)', () => {
      expect(classify('Resource handler returned message: "null" (HandlerErrorCode: AlreadyExists)')).toMatchObject({ category: 'UNKNOWN', confidence: 0 });
    });

    it('DynamoDB\'s "ResourceInUseException: Table already exists" is a name clash, not a resource in use', () => {
      expect(classify('ResourceInUseException: Table already exists: checkout-orders').category).toBe('ALREADY_EXISTS');
    });

    it('a cancellation stays a cancellation whatever the resource type', () => {
      expect(classify('Resource update cancelled', { resourceType: 'Custom::DbMigration', status: 'UPDATE_FAILED' }).category).toBe('CASCADE_CANCELLED');
    });
  });

  describe('resource-type scoping', () => {
    it('a custom resource failure is CUSTOM_RESOURCE whatever its words; the same words without the type are UNKNOWN', () => {
      expect(classify('Failed to create resource. Failed to deploy Image Handler UI', { resourceType: 'Custom::LoadLambda' })).toMatchObject({ category: 'CUSTOM_RESOURCE', confidence: 0.8 });
      expect(classify('Failed to create resource. Failed to deploy Image Handler UI').category).toBe('UNKNOWN');
    });

    it('"in use" said of a security group is a dependency; said of a DB subnet group, a consumer', () => {
      expect(classify('The security group is in use', { resourceType: 'AWS::EC2::SecurityGroup' })).toMatchObject({ category: 'DEPENDENCY_VIOLATION', ruleId: 'ec2-container-in-use-scoped' });
      expect(classify('The DB subnet group is in use', { resourceType: 'AWS::RDS::DBSubnetGroup' })).toMatchObject({ category: 'RESOURCE_IN_USE', ruleId: 'consumed-in-use-scoped' });
      expect(classify('The thing is in use')).toMatchObject({ category: 'RESOURCE_IN_USE', confidence: 0.7, ruleId: 'in-use-generic' });
    });
  });

  it('no signal, or nothing recognised: an honest UNKNOWN that quotes what it was given', () => {
    expect(classifyCfnSignals([])).toEqual({ category: 'UNKNOWN', confidence: 0, summary: 'no known cause matches this failure', evidence: [], matched: [] });
    expect(classify('The requested configuration is currently not supported.', { status: 'CREATE_FAILED' }).evidence).toEqual([
      'CREATE_FAILED: "The requested configuration is currently not supported."',
    ]);
  });

  it('any text, any context: a CloudFormation category, confidence in [0, 1], UNKNOWN exactly at 0, facts that are non-empty strings', () => {
    const fragments = [
      'has a dependent object',
      'is in use',
      'already exists',
      'Rate exceeded',
      'does not exist',
      'Parameter validation failed',
      'Resource creation cancelled',
      'HandlerErrorCode: AlreadyExists',
      'returned message: "null"',
      'The maximum number of VPCs has been reached',
      'Received response status [FAILED] from custom resource',
    ];
    const text = fc.oneof(fc.string(), fc.array(fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 8 })), { maxLength: 5 }).map((parts) => parts.join(' ')));
    const resourceType = fc.option(fc.constantFrom('AWS::EC2::SecurityGroup', 'AWS::RDS::DBSubnetGroup', 'Custom::Thing', 'AWS::S3::Bucket', 'AWS::CloudFormation::Stack'), { nil: undefined });
    fc.assert(
      fc.property(text, resourceType, (t, type) => {
        const c = classifyCfnSignals([{ text: t, ...(type !== undefined ? { resourceType: type } : {}) }]);
        expect(CFN_CATEGORIES).toContain(c.category);
        expect(c.confidence).toBeGreaterThanOrEqual(0);
        expect(c.confidence).toBeLessThanOrEqual(1);
        expect(c.category === 'UNKNOWN').toBe(c.confidence === 0);
        for (const value of Object.values(c.facts ?? {})) expect(value).not.toBe('');
      }),
    );
  });
});
