/**
 * Which template values preflight can know before the deploy: literal strings, and the
 * pseudo parameters CloudFormation fills in from where the stack is deployed
 * (`!Sub '${AWS::StackName}-assets-${AWS::AccountId}'`). Anything that depends on a
 * parameter, another resource or an import is computed at deploy time: preflight says it
 * did not check it, and never guesses.
 */
import { isObject } from './template';

/** Values CloudFormation substitutes for `AWS::...` pseudo parameters in this deploy. */
export interface PseudoParameters {
  stackName: string;
  region: string;
  accountId: string;
  partition: string;
}

export type Resolved = { known: true; value: string } | { known: false; why: string };

const known = (value: string): Resolved => ({ known: true, value });
const computed = (why: string): Resolved => ({ known: false, why });

function pseudo(name: string, p: PseudoParameters): string | undefined {
  switch (name) {
    case 'AWS::StackName': return p.stackName;
    case 'AWS::Region': return p.region;
    case 'AWS::AccountId': return p.accountId;
    case 'AWS::Partition': return p.partition;
    case 'AWS::URLSuffix': return p.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    default: return undefined; // AWS::StackId, AWS::NoValue, AWS::NotificationARNs: not known before the deploy
  }
}

/**
 * Resolves a template value to a string if it is known before the deploy.
 *
 * @example
 * resolveLiteral({ 'Fn::Sub': '${AWS::StackName}-assets' }, { stackName: 'orders', region: 'eu-west-1', accountId: '111122223333', partition: 'aws' });
 * // { known: true, value: 'orders-assets' }
 * resolveLiteral({ Ref: 'BucketNameParam' }, pseudo);
 * // { known: false, why: '!Ref BucketNameParam' }
 */
export function resolveLiteral(value: unknown, p: PseudoParameters): Resolved {
  if (typeof value === 'string') return known(value);
  if (typeof value === 'number' || typeof value === 'boolean') return known(String(value));
  if (!isObject(value)) return computed('not a string');
  const [fn, arg] = Object.entries(value)[0] ?? [];
  if (Object.keys(value).length !== 1 || fn === undefined) return computed('not a string');

  if (fn === 'Ref') {
    const v = typeof arg === 'string' ? pseudo(arg, p) : undefined;
    return v === undefined ? computed(`!Ref ${String(arg)}`) : known(v);
  }
  if (fn === 'Fn::Sub') {
    // With a variable map, the variables are template values: resolve them too.
    const [text, vars] = typeof arg === 'string' ? [arg, {}] : Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [undefined, {}];
    if (typeof text !== 'string' || !isObject(vars)) return computed('!Sub');
    return substitute(text, vars, p);
  }
  if (fn === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
    const parts = arg[1].map((part) => resolveLiteral(part, p));
    const unknown = parts.find((r): r is Extract<Resolved, { known: false }> => !r.known);
    return unknown ? computed(`!Join with ${unknown.why}`) : known(parts.map((r) => (r as { value: string }).value).join(arg[0]));
  }
  return computed(`!${fn.replace(/^Fn::/, '')}`);
}

function substitute(text: string, vars: Record<string, unknown>, p: PseudoParameters): Resolved {
  let out = '';
  let last = 0;
  // `${!Literal}` is an escaped `${Literal}`; `${Name}` / `${Resource.Attr}` are variables.
  for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
    out += text.slice(last, m.index);
    last = m.index + m[0].length;
    const name = m[1]!;
    if (name.startsWith('!')) {
      out += `\${${name.slice(1)}}`;
      continue;
    }
    const resolved = name in vars ? resolveLiteral(vars[name], p) : pseudo(name, p) !== undefined ? known(pseudo(name, p)!) : computed(`\${${name}}`);
    if (!resolved.known) return computed(`!Sub with ${resolved.why.startsWith('${') ? resolved.why : `\${${name}} = ${resolved.why}`}`);
    out += resolved.value;
  }
  return known(out + text.slice(last));
}
