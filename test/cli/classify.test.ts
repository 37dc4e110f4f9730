/** `medic classify`, run as a user runs it: a child process fed JSON Lines on stdin. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

async function medic(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/medic.mjs', ...args], { env: { ...process.env, AWS_REGION: 'us-east-1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(stdin);
  return { code: await exited, stdout, stderr };
}

const jsonl = (...lines: string[]) => `${lines.join('\n')}\n`;

describe('medic classify', () => {
  it('answers every input line with one output line, in order; bad lines answer an error and the rest go on', async () => {
    const input = [
      JSON.stringify({ source: 'ecs', field: 'containerReason', text: 'OutOfMemoryError: Container killed due to memory usage' }),
      '{"source": "ecs", "text": "Task failed ELB health checks in (elb elb-name)"', // truncated: not JSON
      JSON.stringify({ source: 'ecs', field: 'stoppedReason' }),
      JSON.stringify({ source: 'ec2', text: 'Instance terminated' }),
      JSON.stringify({ source: 'ecs', field: 'serviceEvent', text: 'The closest matching container-instance is already using a port required by your task.' }),
      JSON.stringify({ source: 'ecs', field: 'reason', text: 'Task stopped by user' }),
      JSON.stringify({ source: 'cloudformation', text: 'resource sg-0123 has a dependent object', resourceType: 'AWS::EC2::SecurityGroup', status: 'DELETE_FAILED' }),
      JSON.stringify({ source: 'ecs', text: 'Essential container in task exited' }),
      JSON.stringify({
        source: 'ecs',
        field: 'stoppedReason',
        text: 'CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref 12345678-eu-west-1.amazonaws.com/example-service:example-image:image-tag@sha256:sha digest: not found',
      }),
    ];
    const { code, stdout, stderr } = await medic(['classify'], jsonl(...input));

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const answers = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(answers).toHaveLength(input.length);
    expect(answers[0]).toEqual({ category: 'OOM', confidence: 0.95, ruleId: 'oom-killed' });
    expect(Object.keys(answers[1]!)).toEqual(['error']);
    expect(answers[1]!.error).toMatch(/^not JSON: /);
    expect(answers[2]).toEqual({ error: 'missing "text"' });
    expect(answers[3]).toEqual({ error: 'unknown source "ec2" (one of: ecs, cloudformation)' });
    expect(answers[4]).toEqual({ category: 'CAPACITY_PLACEMENT', confidence: 0.95, variant: 'ports', ruleId: 'placement-ports' });
    expect(answers[5]).toEqual({ error: 'unknown field "reason" for source "ecs" (one of: stoppedReason, stopCode, containerReason, serviceEvent, exitCode)' });
    expect(answers[6]).toEqual({ category: 'DEPENDENCY_VIOLATION', confidence: 0.95, ruleId: 'ec2-dependency-violation', facts: { resourceId: 'sg-0123' } });
    expect(answers[7]).toEqual({ category: 'UNKNOWN', confidence: 0 });
    expect(answers[8]).toEqual({ category: 'IMAGE_PULL', confidence: 0.85, variant: 'permanent', ruleId: 'pull-not-found' });
  });

  it('classifies CloudFormation status reasons, honouring resourceType and status, and names the facts', async () => {
    const input = [
      { source: 'cloudformation', text: 'resource sg-04eb9b4569cb59608 has a dependent object (Service: AmazonEC2; Status Code: 400; Error Code: DependencyViolation; Request ID: ccdadf72; Proxy: null)', resourceType: 'AWS::EC2::SecurityGroup', status: 'DELETE_FAILED' },
      { source: 'cloudformation', text: "Cannot delete the subnet group 'checkout-db-subnets' because at least one database instance: checkout-db is still using it.", resourceType: 'AWS::RDS::DBSubnetGroup', status: 'DELETE_FAILED' },
      { source: 'cloudformation', text: 'Resource handler returned message: "The maximum number of VPCs has been reached. (Service: Ec2, Status Code: 400, Request ID: 5ce9)" (RequestToken: 79d6, HandlerErrorCode: GeneralServiceException)', resourceType: 'AWS::EC2::VPC', status: 'CREATE_FAILED' },
      { source: 'cloudformation', text: 'checkout-assets-prod already exists', resourceType: 'AWS::S3::Bucket', status: 'CREATE_FAILED' },
      { source: 'cloudformation', text: 'Resource creation cancelled', resourceType: 'AWS::IAM::Role', status: 'CREATE_FAILED' },
      { source: 'cloudformation', text: 'Failed to update resource. could not update', resourceType: 'Custom::EC2NatGateway', status: 'UPDATE_FAILED' },
      { source: 'cloudformation', text: 'Failed to update resource. could not update' },
      { source: 'cloudformation', text: 'The following resource(s) failed to delete: [DatabaseSecurityGroup, DatabaseSubnetGroup]. ', status: 'DELETE_FAILED' },
      { source: 'cloudformation', text: 'Rate exceeded', status: 42 },
    ];
    const { code, stdout, stderr } = await medic(['classify'], jsonl(...input.map((line) => JSON.stringify(line))));

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual([
      { category: 'DEPENDENCY_VIOLATION', confidence: 0.95, ruleId: 'ec2-dependency-violation', facts: { resourceId: 'sg-04eb9b4569cb59608' } },
      { category: 'RESOURCE_IN_USE', confidence: 0.95, ruleId: 'rds-subnet-group-in-use', facts: { resourceId: 'checkout-db-subnets', usedByType: 'db-instance', usedBy: 'checkout-db' } },
      { category: 'QUOTA_LIMIT', confidence: 0.95, ruleId: 'maximum-number-reached', facts: { quota: 'VPCs' } },
      { category: 'ALREADY_EXISTS', confidence: 0.9, ruleId: 'name-already-exists', facts: { name: 'checkout-assets-prod' } },
      { category: 'CASCADE_CANCELLED', confidence: 0.95, ruleId: 'cascade-cancelled' },
      { category: 'CUSTOM_RESOURCE', confidence: 0.8, ruleId: 'custom-resource-type', facts: { message: 'Failed to update resource. could not update' } },
      { category: 'UNKNOWN', confidence: 0 },
      { category: 'UNKNOWN', confidence: 0 },
      { error: '"status" must be a string' },
    ]);
  });

  it('an empty line is a bad line too (the line count still matches), and CRLF input reads the same', async () => {
    const good = JSON.stringify({ source: 'ecs', field: 'stopCode', text: 'UserInitiated' });
    const { code, stdout } = await medic(['classify'], `${good}\r\n\r\n${good}\r\n`);
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual([
      { category: 'SCALING_OR_USER', confidence: 0.95, ruleId: 'user-initiated' },
      { error: expect.stringMatching(/^not JSON: /) },
      { category: 'SCALING_OR_USER', confidence: 0.95, ruleId: 'user-initiated' },
    ]);
  });

  it('streams a large input line by line, in order', async () => {
    const texts = ['Task stopped by user', 'Your Spot Task was interrupted.', 'Essential container in task exited'];
    const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ source: 'ecs', field: 'stoppedReason', text: texts[i % 3] }));
    const { code, stdout } = await medic(['classify'], jsonl(...lines));
    expect(code).toBe(0);
    const categories = stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { category: string }).category);
    expect(categories).toHaveLength(20_000);
    expect(categories.slice(0, 4)).toEqual(['SCALING_OR_USER', 'SPOT_OR_MAINTENANCE', 'UNKNOWN', 'SCALING_OR_USER']);
    expect(categories.at(-1)).toBe(['SCALING_OR_USER', 'SPOT_OR_MAINTENANCE', 'UNKNOWN'][19_999 % 3]);
  });

  it('answers each line as it arrives, before the input ends (no whole-input buffering)', async () => {
    const child = spawn(process.execPath, ['bin/medic.mjs', 'classify']);
    const firstAnswer = new Promise<string>((resolve) => child.stdout.setEncoding('utf8').once('data', (chunk: string) => resolve(chunk)));
    child.stdin.write(`${JSON.stringify({ source: 'ecs', field: 'stopCode', text: 'SpotInterruption' })}\n`);
    expect(JSON.parse(await firstAnswer)).toEqual({ category: 'SPOT_OR_MAINTENANCE', confidence: 0.95, ruleId: 'spot-interruption' });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.end();
    expect(await closed).toBe(0);
  });

  it('no input, no output', async () => {
    expect(await medic(['classify'], '')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('--help shows the contract and examples', async () => {
    const { code, stdout } = await medic(['classify', '--help'], '');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^medic classify < requests\.jsonl/);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('{"category":"HEALTH_CHECK","confidence":0.95,"ruleId":"elb-health-checks"}');
    expect(stdout).toContain('{"category":"DEPENDENCY_VIOLATION","confidence":0.95,"ruleId":"ec2-dependency-violation","facts":{"resourceId":"sg-0a1b"}}');
    expect(stdout).not.toContain('not classified yet');
  });

  it('an unknown option is a usage error: one line on stderr, exit 2, nothing on stdout', async () => {
    const { code, stdout, stderr } = await medic(['classify', '--frobnicate'], '');
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(/^medic: Unknown option '--frobnicate'.*\n$/);
  });

  it('is listed in medic --help', async () => {
    const { stdout } = await medic(['--help'], '');
    expect(stdout).toMatch(/^ {2}classify +Classify AWS failure texts/m);
  });
});
