/**
 * `medic diagnose` without --offline: the same online diagnosis the state machine makes,
 * read-only, against the account the default credential chain points at - here moto_server,
 * through AWS_ENDPOINT_URL (which the SDK honours).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { localClients } from '../../cli/local/localAws';
import { recordedTaskEvent } from '../../cli/local/scenarios/scenarioKit';
import { seedEcsService } from '../../cli/local/seedEcsService';

describe('medic diagnose (online, read-only)', () => {
  it('reads the service and the failing revision and plans with their real sizes', async () => {
    const endpoint = inject('motoEndpoint');
    const id = Math.random().toString(36).slice(2, 8);
    const { ecs } = localClients(endpoint);
    const seeded = await seedEcsService(ecs, { cluster: `c-${id}`, service: `svc-${id}`, family: `svc-${id}`, images: ['app:1', 'app:2'], cpu: '1024', memory: '3072' });
    const event = recordedTaskEvent('ecs-task-stopped-oom-fargate', {
      clusterArn: seeded.clusterArn,
      service: `svc-${id}`,
      taskDefinitionArn: seeded.taskDefinitionArns[1]!,
      containerName: `svc-${id}`,
    });
    const file = join(tmpdir(), `medic-online-${id}.json`);
    writeFileSync(file, JSON.stringify(event));

    const { stdout } = await promisify(execFile)(process.execPath, ['bin/medic.mjs', 'diagnose', '--event', file, '--json'], {
      env: { ...process.env, AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' },
    });
    const diagnosis = JSON.parse(stdout);
    // The event says 512 MiB; the task definition in the account says 3072: online, the account wins.
    expect(diagnosis).toMatchObject({ category: 'OOM', plan: { action: 'ecs-resize-memory', change: { taskMemory: { from: 3072, to: 6144 } } } });
    expect(diagnosis.evidence).toContain(`task definition svc-${id}:2: cpu=1024 memory=3072; containers: svc-${id} memory=3072 reservation=1536`);
  });
});
