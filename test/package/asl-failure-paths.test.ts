/**
 * Never a silent failure: every state machine in statemachines/ is walked as a graph.
 *
 * - Every Task retries Lambda's transient errors and catches States.ALL.
 * - From every Task's Catch, every path reaches a notification (a Task invoking the notify
 *   function) before the execution ends. The one way around it is the notification-failed path
 *   itself: a Notify task's Catch may end in a Fail state (notifying that notifying failed is
 *   pointless; the failed execution raises the ExecutionsFailed alarm, which publishes to the
 *   alerts topic). It may never end in success.
 * - From StartAt, no path ends without a notification except the documented quiet ends below.
 *
 * The same audit runs over mutated copies, so it is shown to fail where it must.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** ASL is untyped YAML; the audit narrows what it reads. */
type Json = any;
interface Definition {
  StartAt: string;
  States: Record<string, Json>;
}

const dir = fileURLToPath(new URL('../../statemachines/', import.meta.url));
const files = readdirSync(dir)
  .filter((name) => /\.asl\.(ya?ml|json)$/.test(name))
  .sort();
const load = (file: string) => parse(readFileSync(join(dir, file), 'utf8')) as Definition;

/** The errors Lambda documents as transient for an invoke: every Task must retry them. */
const LAMBDA_TRANSIENT = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

/**
 * Ends without a notification, per file, each with why it is not a silent failure.
 * `quiet`: a normal end, not a failure. `fail`: a Fail state, which the state machine's
 * ExecutionsFailed alarm reports to the alerts topic.
 */
const EXEMPT: Record<string, Record<string, { kind: 'quiet' | 'fail'; why: string }>> = {
  'remediation.asl.yaml': {
    NoIncident: { kind: 'quiet', why: 'the facts show no incident (normal life, the service is gone): nothing for on-call to hear' },
  },
  'emergency-rollback.asl.yaml': {
    Refused: {
      kind: 'fail',
      why: 'refused before anything changed: medic rollback prints the Cause to the person who asked, and EmergencyRollbackExecutionsFailedAlarm tells the alerts topic (there is no incident yet for notify to report on)',
    },
    PrepareFailed: {
      kind: 'fail',
      why: 'the request could not be checked (AWS error after retries), nothing changed: the execution fails and EmergencyRollbackExecutionsFailedAlarm tells the alerts topic',
    },
  },
};

/** The serverless.yml function a Task invokes: `Fn::GetAtt: [fn, Arn]`, or lambda:invoke with FunctionName. */
function taskFunction(state: Json): string | undefined {
  const getAtt = (value: Json) => (Array.isArray(value?.['Fn::GetAtt']) ? (value['Fn::GetAtt'][0] as string) : undefined);
  if (typeof state.Resource === 'string' && state.Resource.startsWith('arn:aws:states:::lambda:invoke')) return getAtt(state.Parameters?.FunctionName);
  return getAtt(state.Resource);
}
const isNotify = (state: Json) => state.Type === 'Task' && taskFunction(state) === 'notify';
const isTerminal = (state: Json) => state.End === true || state.Type === 'Fail' || state.Type === 'Succeed';

function successors(name: string, state: Json): string[] {
  if (state.Type === 'Parallel' || state.Type === 'Map') {
    // Their branches are state machines of their own; walk them before relying on this audit.
    throw new Error(`${name}: ${state.Type} states are not walked yet`);
  }
  return [
    ...(state.Next ? [state.Next as string] : []),
    ...((state.Choices ?? []) as Json[]).map((c) => c.Next as string),
    ...(state.Default ? [state.Default as string] : []),
    ...((state.Catch ?? []) as Json[]).map((c) => c.Next as string),
  ];
}

/** Terminal states reachable from `from` without passing a notify Task (with one path to each). */
function silentEnds(def: Definition, from: string): Map<string, string[]> {
  const ends = new Map<string, string[]>();
  const seen = new Set<string>();
  const queue: string[][] = [[from]];
  while (queue.length > 0) {
    const path = queue.shift()!;
    const name = path.at(-1)!;
    if (seen.has(name)) continue;
    seen.add(name);
    const state = def.States[name];
    if (state === undefined) throw new Error(`${path.join(' -> ')}: no state ${name}`);
    if (isNotify(state)) continue; // on-call hears from here on
    if (isTerminal(state)) ends.set(name, path);
    for (const next of successors(name, state)) queue.push([...path, next]);
  }
  return ends;
}

/** Every way `def` can fail silently; empty when it cannot. */
function auditFailurePaths(def: Definition, exempt: Record<string, { kind: 'quiet' | 'fail'; why: string }> = {}): string[] {
  const findings: string[] = [];
  const exempted = (end: string) => exempt[end]?.kind === 'quiet' || (exempt[end]?.kind === 'fail' && def.States[end]?.Type === 'Fail');
  for (const [name, state] of Object.entries(def.States)) {
    if (state.Type !== 'Task') continue;
    const retried = new Set(((state.Retry ?? []) as Json[]).flatMap((r) => r.ErrorEquals as string[]));
    const missing = LAMBDA_TRANSIENT.filter((e) => !retried.has(e) && !retried.has('States.ALL'));
    if (missing.length > 0) findings.push(`${name}: no Retry for ${missing.join(', ')}`);
    const catches = (state.Catch ?? []) as Json[];
    if (!catches.some((c) => (c.ErrorEquals as string[]).includes('States.ALL'))) findings.push(`${name}: no Catch for States.ALL`);
    // After a Task did something, or failed to, on-call hears of it before the execution ends.
    // A Notify task's own Next is that hearing; its Catch is judged (the notification-failed path).
    const exits = [
      ...(isNotify(state) || state.Next === undefined ? [] : [{ label: 'Next', target: state.Next as string }]),
      ...catches.map((c) => ({ label: `Catch [${(c.ErrorEquals as string[]).join(', ')}]`, target: c.Next as string })),
    ];
    for (const { label, target } of exits) {
      for (const [end, path] of silentEnds(def, target)) {
        // A Notify task's Catch may end in a Fail state: notifying that notifying failed is
        // pointless, and the failed execution raises the ExecutionsFailed alarm.
        if (isNotify(state) && label !== 'Next' && def.States[end].Type === 'Fail') continue;
        if (exempted(end)) continue;
        findings.push(`${name}: ${label} ends at ${end} without a notification (${[name, ...path].join(' -> ')})`);
      }
    }
  }
  // Before the first Task: Pass and Choice states may not end the run quietly either.
  for (const [end, path] of silentEnds(def, def.StartAt)) {
    if (!exempted(end) && !path.some((step) => def.States[step]?.Type === 'Task')) {
      findings.push(`${end}: reached from ${def.StartAt} without a notification (${path.join(' -> ')})`);
    }
  }
  return [...new Set(findings)];
}

describe('failure paths of the state machines: never a silent failure', () => {
  it('finds both state machines serverless.yml deploys', () => {
    expect(files).toEqual(expect.arrayContaining(['remediation.asl.yaml', 'emergency-rollback.asl.yaml']));
  });

  it.each(files)('%s: every Task retries Lambda errors, catches States.ALL, and every failure reaches a notification', (file) => {
    const def = load(file);
    const tasks = Object.values(def.States).filter((s) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(4);
    expect(tasks.filter(isNotify).length).toBeGreaterThanOrEqual(2);
    expect(auditFailurePaths(def, EXEMPT[file])).toEqual([]);
  });

  it.each(files)('%s: every exemption names a state that exists and is what it claims', (file) => {
    const def = load(file);
    for (const [name, { kind, why }] of Object.entries(EXEMPT[file] ?? {})) {
      expect(def.States[name], name).toBeDefined();
      expect(why.length).toBeGreaterThan(20);
      if (kind === 'fail') expect(def.States[name].Type).toBe('Fail');
      else expect(isTerminal(def.States[name]) && def.States[name].Type !== 'Fail').toBe(true);
    }
  });

  describe('the audit fails where it must (mutated copies of remediation.asl.yaml)', () => {
    const remediation = () => structuredClone(load('remediation.asl.yaml'));

    it('a new Task without Catch', () => {
      const def = remediation();
      // An audit step slipped in between Remediate and InitVerify, retried but never caught.
      def.States.RecordAudit = { Type: 'Task', Resource: { 'Fn::GetAtt': ['remediate', 'Arn'] }, Retry: def.States.Remediate.Retry, Next: 'InitVerify' };
      def.States.Remediate.Next = 'RecordAudit';
      expect(auditFailurePaths(def, EXEMPT['remediation.asl.yaml'])).toEqual(['RecordAudit: no Catch for States.ALL']);
    });

    it('a Task without Retry for Lambda errors', () => {
      const def = remediation();
      delete def.States.CheckDeployment.Retry;
      expect(auditFailurePaths(def, EXEMPT['remediation.asl.yaml'])).toEqual([`CheckDeployment: no Retry for ${LAMBDA_TRANSIENT.join(', ')}`]);
    });

    it('a Catch that skips the escalation alert and ends quietly', () => {
      const def = remediation();
      def.States.Remediate.Catch[0].Next = 'Escalated';
      const findings = auditFailurePaths(def, EXEMPT['remediation.asl.yaml']);
      expect(findings).toContain('Remediate: Catch [States.ALL] ends at Escalated without a notification (Remediate -> Escalated)');
      expect(findings.every((f) => / ends at Escalated without a notification /.test(f))).toBe(true);
    });

    it('a failed alert that ends in success', () => {
      const def = remediation();
      def.States.NotifyResolved.Catch[0].Next = 'Resolved';
      expect(auditFailurePaths(def, EXEMPT['remediation.asl.yaml'])).toEqual([
        'NotifyResolved: Catch [States.ALL] ends at Resolved without a notification (NotifyResolved -> Resolved)',
      ]);
    });

    it('a Choice branch that ends a remediation without telling how it ended', () => {
      const def = remediation();
      def.States.DeploymentStatus.Choices.push({ Variable: '$.verification.status', StringEquals: 'GONE', Next: 'Gone' });
      def.States.Gone = { Type: 'Succeed' };
      const findings = auditFailurePaths(def, EXEMPT['remediation.asl.yaml']);
      // Named from each Task whose exits lead there; the nearest one says where the gap is.
      expect(findings).toContain('CheckDeployment: Next ends at Gone without a notification (CheckDeployment -> DeploymentStatus -> Gone)');
      expect(findings.every((f) => / ends at Gone without a notification /.test(f))).toBe(true);
    });

    it('a quiet end before the first Task', () => {
      const def = remediation();
      def.StartAt = 'Gate';
      def.States.Gate = { Type: 'Choice', Choices: [{ Variable: '$.mode', StringEquals: 'off', Next: 'Off' }], Default: 'Diagnose' };
      def.States.Off = { Type: 'Succeed' };
      expect(auditFailurePaths(def, EXEMPT['remediation.asl.yaml'])).toEqual(['Off: reached from Gate without a notification (Gate -> Off)']);
    });
  });
});
