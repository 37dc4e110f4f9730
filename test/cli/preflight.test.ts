/** `medic preflight` as CI runs it: a child process, its stdout, stderr and exit code. */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** The environment without any AWS setting of the machine running the tests. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return { ...env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...extra };
}

async function medic(args: string[], env = cleanEnv({ AWS_REGION: 'eu-west-1' })): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/medic.mjs', 'preflight', ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const tmp = (name: string, content: string) => {
  const path = join(tmpdir(), `medic-preflight-${process.pid}-${name}`);
  writeFileSync(path, content);
  return path;
};

describe('medic preflight: usage', () => {
  it.each([
    ['a missing --stack', [], /^medic: --stack NAME is required\n$/],
    ['a stack name CloudFormation would refuse', ['--stack', 'orders_prod'], /^medic: --stack "orders_prod" is not a CloudFormation stack name \(a letter, then letters, digits and hyphens, up to 128\)\n$/],
    ['an unreadable template', ['--stack', 'orders', '--template', '/nonexistent/template.yaml'], /^medic: cannot read \/nonexistent\/template\.yaml: ENOENT\n$/],
    ['a file that is not a template', ['--stack', 'orders', '--template', 'package.json'], /^medic: package\.json is not a CloudFormation template: no Resources\n$/],
    ['a template that is not YAML', ['--stack', 'orders', '--template', 'BAD_YAML'], /^medic: \S+bad\.yaml is neither JSON nor YAML: /],
    ['a region that is not one', ['--stack', 'orders', '--region', 'moon'], /^medic: --region "moon" is not an AWS region name \(like eu-west-1\)\n$/],
    ['an unknown option', ['--stack', 'orders', '--frobnicate'], /^medic: Unknown option '--frobnicate'/],
  ])('%s: one line on stderr, exit 2, nothing on stdout', async (_, args, message) => {
    const { code, stdout, stderr } = await medic(args.map((a) => (a === 'BAD_YAML' ? tmp('bad.yaml', 'Resources:\n  A: [unclosed\n') : a)));
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('no region anywhere is a usage error too', async () => {
    const { code, stdout, stderr } = await medic(['--stack', 'orders'], cleanEnv());
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: 'medic: no region: pass --region R or set AWS_REGION\n' });
  });

  it('--help prints the usage, exit 0', async () => {
    const { code, stdout } = await medic(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^medic preflight --stack NAME \[--template FILE\] \[--region R\] \[--json\]\n/);
    expect(stdout).toContain('Exit code: 0 nothing blocks the deploy, 1 a blocking finding, 2 usage error.');
  });

  it('credentials that do not work block (exit 1), and every other check says it was skipped', async () => {
    // Nothing listens on port 9: STS cannot be reached.
    const env = cleanEnv({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_MAX_ATTEMPTS: '1' });
    const { code, stdout, stderr } = await medic(['--stack', 'orders-prod', '--region', 'eu-west-1', '--json'], env);
    expect({ code, stderr }).toEqual({ code: 1, stderr: '' });
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual(['stack', 'account', 'findings', 'summary']);
    expect(report.account).toBeNull();
    expect(report.findings[0]).toMatchObject({ id: 'credentials.unavailable', severity: 'blocking', message: expect.stringMatching(/^no working AWS credentials: STS GetCallerIdentity failed \(.*ECONNREFUSED/) });
    expect(report.findings.slice(1).map((f: { id: string }) => f.id)).toEqual([
      'stack-state.skipped',
      'orphans.skipped',
      'name-clash.skipped',
      'permissions.skipped',
      'quotas.skipped',
      'ecr-image.skipped',
    ]);
    expect(report.summary).toEqual({ blocking: 1, warning: 0, info: 6, verdict: 'blocked', region: 'eu-west-1' });
  });
});
