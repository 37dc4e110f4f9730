/**
 * In-process AWS endpoints for the ingest storm: DynamoDB (the ledger's conditional writes)
 * and Step Functions (StartExecution). They sit where the network would be - the SDK
 * client's `requestHandler` - so the real clients build, sign, send and parse every call,
 * and the real Ledger class runs its real expressions. They answer the way AWS does:
 *
 *  - DynamoDB `UpdateItem` / `GetItem` / `PutItem`, evaluating the expressions the ledger
 *    writes (SET with if_not_exists, ADD to numbers and string sets, REMOVE; conditions with
 *    attribute_(not_)exists, (NOT) contains, comparisons, AND / OR), ReturnValues and
 *    ReturnValuesOnConditionCheckFailure. Anything else fails loudly rather than guessing.
 *  - Step Functions `StartExecution`: an execution name is used once per state machine; the
 *    same name with the same input while it runs answers the first start again (as AWS
 *    does), any other reuse is `ExecutionAlreadyExists`.
 *
 * Used by the storm benchmark (scripts/bench/storm.ts) and its test, where moto_server over
 * HTTP would measure the loopback instead of ingest.
 */
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';

type AttributeValue = { S?: string; N?: string; SS?: string[]; BOOL?: boolean; NULL?: boolean };
type Item = Record<string, AttributeValue>;
type Json = Record<string, unknown>;

interface HttpRequestLike {
  headers: Record<string, string>;
  body?: unknown;
}

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly extra: Json = {},
  ) {
    super(message);
  }
}

/** A `requestHandler` that answers JSON-protocol calls (`X-Amz-Target: Service.Operation`) in process. */
function jsonProtocolHandler(answer: (operation: string, input: Json) => Json) {
  return {
    // The SDK's own handlers have these; the client may call them.
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
    async handle(request: HttpRequestLike) {
      const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '';
      const operation = target.split('.').pop() ?? '';
      // A TextDecoder, not Buffer.from(body): the SDK's JSON body is a Uint8Array that warns when
      // string methods are called on it (Buffer.from calls its valueOf).
      const input = JSON.parse(typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array)) as Json;
      let status = 200;
      let body: Json;
      try {
        body = answer(operation, input);
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        status = 400;
        body = { __type: error.type, message: error.message, ...error.extra };
      }
      return {
        response: {
          statusCode: status,
          reason: status === 200 ? 'OK' : 'Bad Request',
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'in-memory' },
          body: Readable.from([Buffer.from(JSON.stringify(body))]),
        },
      };
    },
  };
}

const CLIENT_CONFIG = { region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 };

// ---------------------------------------------------------------- DynamoDB

/** One DynamoDB table per name, items keyed by pk/sk (the ledger's key schema). */
export class InMemoryDynamoDb {
  readonly tables = new Map<string, Map<string, Item>>();
  readonly calls: string[] = [];

  client(): DynamoDBClient {
    return new DynamoDBClient({ ...CLIENT_CONFIG, requestHandler: jsonProtocolHandler((op, input) => this.answer(op, input)) });
  }

  private answer(operation: string, input: Json): Json {
    this.calls.push(`DynamoDB.${operation}`);
    const table = this.tableOf(String(input.TableName));
    const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
    switch (operation) {
      case 'GetItem': {
        const item = table.get(keyOf(input.Key as Item));
        return item ? { Item: item } : {};
      }
      case 'UpdateItem':
      case 'PutItem': {
        const key = keyOf((input.Key ?? pickKey(input.Item as Item)) as Item);
        const old = table.get(key);
        if (typeof input.ConditionExpression === 'string' && !evaluateCondition(input.ConditionExpression, old ?? {}, names, values)) {
          const withItem = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old ? { Item: old } : {};
          throw new AwsError('com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', 'The conditional request failed', withItem);
        }
        let next: Item;
        let updated: Set<string>;
        if (operation === 'PutItem') {
          next = structuredClone(input.Item as Item);
          updated = new Set(Object.keys(next));
        } else {
          next = structuredClone(old ?? (input.Key as Item));
          updated = applyUpdate(String(input.UpdateExpression), next, names, values);
        }
        table.set(key, next);
        return returnValues(String(input.ReturnValues ?? 'NONE'), old, next, updated);
      }
      default:
        throw new Error(`InMemoryDynamoDb: ${operation} is not implemented`);
    }
  }

  private tableOf(name: string) {
    let table = this.tables.get(name);
    if (!table) this.tables.set(name, (table = new Map()));
    return table;
  }
}

const keyOf = (key: Item) => `${key.pk?.S}\u0000${key.sk?.S}`;
const pickKey = (item: Item): Item => ({ pk: item.pk as AttributeValue, sk: item.sk as AttributeValue });

function returnValues(kind: string, old: Item | undefined, next: Item, updated: Set<string>): Json {
  switch (kind) {
    case 'NONE':
      return {};
    case 'ALL_NEW':
      return { Attributes: next };
    case 'ALL_OLD':
      return old ? { Attributes: old } : {};
    case 'UPDATED_NEW':
      return { Attributes: Object.fromEntries(Object.entries(next).filter(([k]) => updated.has(k))) };
    default:
      throw new Error(`InMemoryDynamoDb: ReturnValues ${kind} is not implemented`);
  }
}

const resolveName = (token: string, names: Record<string, string>) => {
  const name = token.startsWith('#') ? names[token] : token;
  if (name === undefined) throw new AwsError('ValidationException', `undefined attribute name ${token}`);
  return name;
};
const resolveValue = (token: string, values: Record<string, AttributeValue>) => {
  const value = values[token];
  if (value === undefined) throw new AwsError('ValidationException', `undefined attribute value ${token}`);
  return value;
};

/** Applies `SET a = :v, b = if_not_exists(b, :w) ADD c :one, d :set REMOVE e`; returns the attributes it touched. */
function applyUpdate(expression: string, item: Item, names: Record<string, string>, values: Record<string, AttributeValue>): Set<string> {
  const updated = new Set<string>();
  const clauses = expression.split(/\b(?=SET\b|ADD\b|REMOVE\b)/).map((c) => c.trim()).filter(Boolean);
  for (const clause of clauses) {
    const [verb, ...rest] = clause.split(/\s+/);
    const actions = splitTopLevel(rest.join(' '));
    for (const action of actions) {
      if (verb === 'SET') {
        const m = /^(\S+)\s*=\s*(.+)$/.exec(action);
        if (!m) throw new Error(`InMemoryDynamoDb: cannot read SET ${action}`);
        const name = resolveName(m[1] as string, names);
        const rhs = (m[2] as string).trim();
        const ifNotExists = /^if_not_exists\(\s*(\S+)\s*,\s*(\S+)\s*\)$/.exec(rhs);
        if (ifNotExists) {
          const existing = item[resolveName(ifNotExists[1] as string, names)];
          item[name] = existing ?? resolveValue(ifNotExists[2] as string, values);
        } else if (/^:\w+$/.test(rhs)) {
          item[name] = resolveValue(rhs, values);
        } else {
          throw new Error(`InMemoryDynamoDb: SET ${rhs} is not implemented`);
        }
        updated.add(name);
      } else if (verb === 'ADD') {
        const [path, valueToken] = action.split(/\s+/);
        const name = resolveName(path as string, names);
        const value = resolveValue(valueToken as string, values);
        const current = item[name];
        if (value.N !== undefined) item[name] = { N: String(Number(current?.N ?? '0') + Number(value.N)) };
        else if (value.SS !== undefined) item[name] = { SS: [...new Set([...(current?.SS ?? []), ...value.SS])] };
        else throw new AwsError('ValidationException', 'ADD takes a number or a set');
        updated.add(name);
      } else if (verb === 'REMOVE') {
        delete item[resolveName(action, names)];
      } else {
        throw new Error(`InMemoryDynamoDb: ${verb} is not implemented`);
      }
    }
  }
  return updated;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** `a OR b AND c` (AND binds tighter; no parentheses), each term one of the forms in the file comment. */
function evaluateCondition(expression: string, item: Item, names: Record<string, string>, values: Record<string, AttributeValue>): boolean {
  return expression.split(/\s+OR\s+/).some((any) => any.split(/\s+AND\s+/).every((term) => evaluateTerm(term.trim(), item, names, values)));
}

function evaluateTerm(term: string, item: Item, names: Record<string, string>, values: Record<string, AttributeValue>): boolean {
  if (term.startsWith('NOT ')) return !evaluateTerm(term.slice(4).trim(), item, names, values);
  let m = /^attribute_(not_)?exists\(\s*(\S+)\s*\)$/.exec(term);
  if (m) return (item[resolveName(m[2] as string, names)] === undefined) === (m[1] !== undefined);
  m = /^contains\(\s*(\S+)\s*,\s*(\S+)\s*\)$/.exec(term);
  if (m) {
    const attr = item[resolveName(m[1] as string, names)];
    const value = resolveValue(m[2] as string, values);
    if (attr?.SS && value.S !== undefined) return attr.SS.includes(value.S);
    if (attr?.S !== undefined && value.S !== undefined) return attr.S.includes(value.S);
    return false;
  }
  m = /^(\S+)\s*(<=|>=|<>|=|<|>)\s*(:\w+)$/.exec(term);
  if (m) {
    const attr = item[resolveName(m[1] as string, names)];
    const value = resolveValue(m[3] as string, values);
    if (attr === undefined) return false;
    const a = attr.N !== undefined ? Number(attr.N) : attr.S;
    const b = value.N !== undefined ? Number(value.N) : value.S;
    if (a === undefined || b === undefined) return false;
    switch (m[2]) {
      case '=':
        return a === b;
      case '<>':
        return a !== b;
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      default:
        return a >= b;
    }
  }
  throw new Error(`InMemoryDynamoDb: condition ${term} is not implemented`);
}

// ---------------------------------------------------------------- Step Functions

export interface StartedExecution {
  executionArn: string;
  name: string;
  input: string;
  startDate: number;
}

/** Step Functions as far as StartExecution goes: names unique per state machine, like the real service. */
export class InMemoryStepFunctions {
  readonly executions = new Map<string, StartedExecution>();
  readonly calls: string[] = [];

  client(): SFNClient {
    return new SFNClient({ ...CLIENT_CONFIG, requestHandler: jsonProtocolHandler((op, input) => this.answer(op, input)) });
  }

  private answer(operation: string, input: Json): Json {
    this.calls.push(`SFN.${operation}`);
    if (operation !== 'StartExecution') throw new Error(`InMemoryStepFunctions: ${operation} is not implemented`);
    const stateMachineArn = String(input.stateMachineArn);
    const name = String(input.name);
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.executions.get(executionArn);
    // Every execution here is still running: the same name and input answers the first start again.
    if (existing) {
      if (existing.input === input.input) return { executionArn, startDate: existing.startDate };
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const started = { executionArn, name, input: String(input.input ?? '{}'), startDate: Date.now() / 1000 };
    this.executions.set(executionArn, started);
    return { executionArn, startDate: started.startDate };
  }
}

/** An ECS client that must not be called: stopped tasks are ingested from the event alone. */
export function unreachableEcsClient(): ECSClient {
  return new ECSClient({
    ...CLIENT_CONFIG,
    requestHandler: jsonProtocolHandler((op) => {
      throw new Error(`ECS.${op} called during a stopped-task storm: ingest should not need ECS for task events`);
    }),
  });
}
