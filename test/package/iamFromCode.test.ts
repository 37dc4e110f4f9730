/**
 * The derivation the least-privilege proof rests on (iamFromCode.ts), checked on its own: what
 * it finds in source text, what it refuses, and what it finds in a real bundle.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { derivedCalls, iamActionFor, sdkCallsIn } from './iamFromCode';

const root = fileURLToPath(new URL('../../', import.meta.url));
const actions = (source: string) => sdkCallsIn(source).map((c) => c.action).sort();

describe('iamFromCode: SDK calls -> IAM actions', () => {
  it('maps each command sent to <prefix>:<Operation>, through aliases and multi-line imports', () => {
    const source = `
      import { DescribeServicesCommand, UpdateServiceCommand as Update, type Service } from '@aws-sdk/client-ecs';
      import {
        DescribeTargetGroupsCommand,
      } from "@aws-sdk/client-elastic-load-balancing-v2";
      await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
      await ecs.send(new Update({ cluster, service }));
      await elb.send(new DescribeTargetGroupsCommand({}));`;
    expect(actions(source)).toEqual(['ecs:DescribeServices', 'ecs:UpdateService', 'elasticloadbalancing:DescribeTargetGroups']);
  });

  it('counts a command only when it is constructed, and never from a type-only import', () => {
    const source = `
      import type { DeleteStackCommand } from '@aws-sdk/client-cloudformation';
      import { DescribeStacksCommand, type StackStatus } from '@aws-sdk/client-cloudformation';
      const names: DeleteStackCommand[] = [];
      export const shape = DescribeStacksCommand.name; // referenced, never sent`;
    expect(actions(source)).toEqual([]);
  });

  it('maps paginators to the operation they repeat, and refuses waiters until they are mapped', () => {
    expect(actions(`import { paginateListStackResources } from '@aws-sdk/client-cloudformation';
      for await (const page of paginateListStackResources({ client }, { StackName })) {}`)).toEqual(['cloudformation:ListStackResources']);
    expect(() => sdkCallsIn(`import { waitUntilServicesStable } from '@aws-sdk/client-ecs'; await waitUntilServicesStable({ client }, {});`)).toThrow(
      /waitUntilServicesStable: waiters poll/,
    );
  });

  it('knows the operations whose IAM action has another name, and refuses an unknown service', () => {
    expect(iamActionFor('client-s3', 'ListObjectsV2')).toBe('s3:ListBucket');
    expect(iamActionFor('client-s3', 'PutObject')).toBe('s3:PutObject');
    expect(iamActionFor('client-sfn', 'StartExecution')).toBe('states:StartExecution');
    expect(iamActionFor('client-secrets-manager', 'GetSecretValue')).toBe('secretsmanager:GetSecretValue');
    expect(() => iamActionFor('client-bedrock', 'InvokeModel')).toThrow(/no IAM prefix known/);
  });

  it('adds the SDK calls Powertools parameters make for the code that builds a provider', () => {
    expect(actions(`import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
      const p = new SecretsProvider({ awsSdkV3Client: client });`)).toEqual(['secretsmanager:GetSecretValue']);
  });

  it('reads a real bundle: checkDeployment sends exactly DescribeServices and DescribeStacks', async () => {
    const { files, actions: found } = await derivedCalls(root, 'functions/checkDeployment/handler.ts');
    expect(files).toContain('functions/checkDeployment/handler.ts');
    expect(files.every((f) => !f.includes('node_modules'))).toBe(true);
    expect([...found.keys()].sort()).toEqual(['cloudformation:DescribeStacks', 'ecs:DescribeServices']);
  }, 60_000);

  it('maps a transaction of Updates to UpdateItem: notify closes the record and frees the slot in one TransactWriteItems', async () => {
    const { actions: found } = await derivedCalls(root, 'functions/notify/handler.ts');
    expect(found.get('dynamodb:UpdateItem')?.sort()).toEqual(['shared/ledger/ledgerWrite.ts (UpdateItemCommand)', 'shared/ledger/writeTogether.ts (TransactWriteItemsCommand)']);
  }, 60_000);

  it('follows imports into shared/: remediate needs PassRole and TagResource because it registers tagged revisions', async () => {
    const { actions: found } = await derivedCalls(root, 'functions/remediate/handler.ts');
    expect(found.get('iam:PassRole')).toEqual(['shared/actions/ecsResizeMemory.ts (RegisterTaskDefinitionCommand implies it)']);
    expect(found.get('ecs:UpdateService')?.length).toBeGreaterThan(0);
  }, 60_000);
});
