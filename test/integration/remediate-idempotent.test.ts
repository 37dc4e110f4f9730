/**
 * The Remediate step's real SDK calls against moto_server, run twice as a Step Functions
 * retry would: the second run finds its own revision in place and writes nothing.
 */
import { DescribeServicesCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { describe, expect, inject, it } from 'vitest';
import { localClients } from '../../cli/local/localAws';
import { makeDiagnoseHandler } from '../../functions/diagnose/handler';
import { makeRemediateHandler } from '../../functions/remediate/handler';
import { loadConfig } from '../../shared/config';
import { oomIncidentOnMoto } from '../support/oomIncidentOnMoto';

describe('Remediate against moto_server', () => {
  it('registers one new revision and moves the service once, however often it is retried', async () => {
    const { ecs } = localClients(inject('motoEndpoint'));
    const { id, seeded, event, incident } = await oomIncidentOnMoto(ecs);
    const failing = seeded.taskDefinitionArns[1]!;
    const config = () => loadConfig({ MEDIC_MODE: 'auto' });
    const diagnosis = await makeDiagnoseHandler({ ...localClients(inject('motoEndpoint')), ecs, config })({ incident, event });
    const remediate = makeRemediateHandler({ ...localClients(inject('motoEndpoint')), config });

    const first = await remediate({ incident, diagnosis, mode: 'auto' });
    const retry = await remediate({ incident, diagnosis, mode: 'auto' });

    const newArn = `arn:aws:ecs:us-east-1:123456789012:task-definition/svc-${id}:3`;
    expect(first).toMatchObject({ applied: true, targetTaskDefinitionArn: newArn });
    expect(retry).toMatchObject({ applied: false, steps: [`already applied: service runs ${newArn}, registered for this incident`], targetTaskDefinitionArn: newArn });
    const revisions = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: `svc-${id}` }));
    expect(revisions.taskDefinitionArns).toHaveLength(3);
    const service = await ecs.send(new DescribeServicesCommand({ cluster: `c-${id}`, services: [`svc-${id}`] }));
    expect(service.services?.[0]?.taskDefinition).toBe(newArn);
  });
});
