/** `medic diagnose`, run as a user runs it: a child process, its stdout, stderr and exit code. */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures';

const run = promisify(execFile);

async function medic(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/medic.mjs', ...args], { env: { ...process.env, AWS_REGION: 'us-east-1' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const tmp = (name: string, content: string) => {
  const path = join(tmpdir(), `medic-${process.pid}-${name}`);
  writeFileSync(path, content);
  return path;
};

describe('medic diagnose --offline --json', () => {
  it('prints exactly the contract fields for an OOM stopped task', async () => {
    const { code, stdout, stderr } = await medic('diagnose', '--event', 'test/fixtures/events/ecs-task-stopped-oom-fargate.json', '--offline', '--json');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const diagnosis = JSON.parse(lines[0]!);
    expect(Object.keys(diagnosis).sort()).toEqual(['category', 'confidence', 'evidence', 'incidentKey', 'plan', 'runbook', 'summary']);
    expect(diagnosis).toMatchObject({
      category: 'OOM',
      confidence: 0.95,
      runbook: 'docs/runbooks/OOM.md',
      incidentKey: 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512',
      plan: { action: 'ecs-resize-memory' },
    });
  });

  it('a normal stop still prints a diagnosis, with plan none', async () => {
    const { code, stdout } = await medic('diagnose', '--event', 'test/fixtures/events/ecs-task-stopped-scaling.json', '--offline', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ category: 'SCALING_OR_USER', plan: { action: 'none' } });
  });

  it('a failed stack delete prints a diagnosis with the incident key of the stack and its delete operation', async () => {
    const { code, stdout, stderr } = await medic('diagnose', '--event', 'test/fixtures/events/cfn-stack-delete-failed.json', '--offline', '--json');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toMatchObject({
      plan: { action: 'notify-only' },
      incidentKey: 'cfn:us-east-1:111122223333:checkout-db@9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93:DELETE_FAILED:Console-DeleteStack-3f6c2a9e-8b41-4d7e-a0c5-91e2f4b7d386',
    });
  });

  it.each([
    ['an unreadable file', ['--event', '/nonexistent/event.json'], /^medic: cannot read \/nonexistent\/event\.json: ENOENT\n$/],
    ['a file that is not JSON', ['--event', 'NOT_JSON'], /^medic: \S+not-json\.txt is not JSON: /],
    ['JSON that is not an event', ['--event', 'package.json'], /^medic: package\.json: not a valid EventBridge event: /],
    ['an unknown detail-type', ['--event', 'UNKNOWN_DETAIL_TYPE'], /^medic: .*unsupported detail-type "EC2 Instance State-change Notification"/],
    ['a missing --event', [], /^medic: --event FILE is required\n$/],
    ['an unknown option', ['--event', 'x', '--frobnicate'], /^medic: Unknown option '--frobnicate'/],
  ])('%s: one line on stderr, exit 2, nothing on stdout', async (_, args, message) => {
    const resolved = args.map((a) =>
      a === 'NOT_JSON'
        ? tmp('not-json.txt', 'lastStatus: STOPPED\n')
        : a === 'UNKNOWN_DETAIL_TYPE'
        ? tmp('ec2.json', JSON.stringify({ ...fixture('events/ecs-task-stopped-oom-fargate.json'), 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2' }))
        : a,
    );
    const { code, stdout, stderr } = await medic('diagnose', ...resolved, '--offline', '--json');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an unknown command is a usage error too', async () => {
    const { code, stdout, stderr } = await medic('frobnicate');
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    // The list grows with every command; what matters is that it names them.
    expect(stderr).toMatch(/^medic: unknown command "frobnicate" \(commands: diagnose, classify, [a-z, -]+\)\n$/);
  });
});
