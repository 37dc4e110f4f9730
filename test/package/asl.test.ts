/**
 * Every state machine in statemachines/ is valid Amazon States Language, checked by
 * asl-validator after the one substitution CloudFormation makes at deploy: a Task's
 * `Fn::GetAtt: [<function>, Arn]` becomes a Lambda ARN. The substitution is the one the state
 * machine tests and `medic demo` use (cli/local/localStateMachine.ts), so all three agree.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadStateMachine } from '../../cli/local/localStateMachine';

interface AslValidationError {
  'Error code': string;
  Message: string;
}
type AslValidator = (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errors: AslValidationError[]; errorsText: (separator?: string) => string };

// asl-validator 4 is CommonJS without type declarations.
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;
const STRICT = { checkArn: true, checkPaths: true };

const dir = fileURLToPath(new URL('../../statemachines/', import.meta.url));
const files = readdirSync(dir)
  .filter((name) => /\.asl\.(ya?ml|json)$/.test(name))
  .sort();

describe('state machine definitions (asl-validator)', () => {
  it('finds the state machines serverless.yml deploys', () => {
    expect(files).toContain('remediation.asl.yaml');
  });

  it.each(files)('%s is valid ASL once its Lambda references are resolved', (file) => {
    const machine = loadStateMachine(join(dir, file));
    const result = aslValidator(machine.definition, STRICT);
    expect(result.errors, result.errorsText('\n')).toEqual([]);
    expect(result.isValid).toBe(true);
    // Every Task that pointed at a function now carries a Lambda ARN (a `lambda:invoke` integration in its
    // Parameters.FunctionName), nothing left unresolved - neither a function reference nor a ${param:...}.
    const lambdaArn = /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9-_]+$/;
    for (const state of Object.keys(machine.taskFunctions)) {
      const task = machine.definition.States[state]!;
      if (machine.callbackStates.includes(state)) {
        expect(task.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
        expect((task.Parameters as { FunctionName: string }).FunctionName).toMatch(lambdaArn);
      } else {
        expect(task.Resource).toMatch(lambdaArn);
      }
    }
    expect(JSON.stringify(machine.definition)).not.toContain('Fn::');
    expect(JSON.stringify(machine.definition)).not.toContain('${param:');
  });

  it('is not a rubber stamp: a Next that names no state is an error', () => {
    const machine = loadStateMachine(join(dir, 'remediation.asl.yaml'));
    const broken = structuredClone(machine.definition);
    broken.States[broken.StartAt]!.Next = 'NoSuchState';
    const result = aslValidator(broken, STRICT);
    expect(result.isValid).toBe(false);
    expect(result.errorsText()).toMatch(/NoSuchState/);
  });
});
