import { CreateClusterCommand, DescribeClustersCommand, ECSClient } from '@aws-sdk/client-ecs';
import { describe, expect, inject, it } from 'vitest';
import { localClientConfig } from '../../cli/local/localAws';

describe('moto smoke', () => {
  it('creates and describes an ECS cluster', async () => {
    const ecs = new ECSClient(localClientConfig(inject('motoEndpoint')));
    // Unique name: the moto server is shared by the whole run and never reset here.
    const clusterName = `moto-smoke-${process.pid}-${Date.now()}`;

    await ecs.send(new CreateClusterCommand({ clusterName }));
    const { clusters, failures } = await ecs.send(new DescribeClustersCommand({ clusters: [clusterName] }));

    expect(failures).toEqual([]);
    expect(clusters).toHaveLength(1);
    expect(clusters?.[0]?.clusterName).toBe(clusterName);
    expect(clusters?.[0]?.status).toBe('ACTIVE');
    expect(clusters?.[0]?.clusterArn).toBe(`arn:aws:ecs:us-east-1:123456789012:cluster/${clusterName}`);
  });
});
