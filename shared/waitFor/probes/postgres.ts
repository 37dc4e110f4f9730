/**
 * `postgres://USER[:PASSWORD]@HOST[:PORT][/DATABASE][?sslmode=...]`: ready when the server
 * completes a startup handshake for that user and database and says ReadyForQuery.
 *
 * A listening port is not a ready database: during start-up, recovery or shutdown the server
 * accepts the connection and answers the startup message with an ErrorResponse (SQLSTATE
 * 57P03, "the database system is starting up"); a database an init script has not created
 * yet answers 3D000. Those words, from the ErrorResponse's `M` field, are the attempt's error.
 *
 * The protocol is spoken directly (v3, a few messages; no client library): SSLRequest as
 * `sslmode` asks, the StartupMessage, the password exchange (cleartext, MD5 or SCRAM-SHA-256),
 * then ReadyForQuery and a Terminate.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { ProbeError, TargetError } from '../errors';
import { redactUrl } from '../redact';
import type { Probe } from '../types';
import { decoded, hostOf, portOf } from '../urlParts';
import { SCRAM_SHA_256, type ScramClientFinal, type ScramClientFirst, scramClientFinal, scramClientFirst, scramVerifyServerFinal } from './scram';
import { type Wire, withWire } from './wire';

/** libpq's sslmode values: `disable` and `allow` start in plain text, the others ask for TLS first. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  sslmode: SslMode;
}

const PROTOCOL_VERSION_3 = 196_608;
const SSL_REQUEST_CODE = 80_877_103;
/** Well above any handshake message; a bigger length means we are not talking to PostgreSQL. */
const MAX_MESSAGE = 64 * 1024;
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]); // 'X', length 4

/** Authentication request codes (the Int32 after an 'R'). */
const AUTH = { ok: 0, kerberosV5: 2, cleartext: 3, md5: 5, scmCredential: 6, gss: 7, gssContinue: 8, sspi: 9, sasl: 10, saslContinue: 11, saslFinal: 12 } as const;
const AUTH_NAMES: Record<number, string> = { 2: 'Kerberos V5', 6: 'SCM credentials', 7: 'GSSAPI', 8: 'GSSAPI', 9: 'SSPI' };

export const postgresProbe: Probe = {
  schemes: ['postgres', 'postgresql'],
  ready: 'the server completes a startup handshake for the user and database (ReadyForQuery), with the password if the URL has one',
  example: 'postgres://app:secret@127.0.0.1:5432/app?sslmode=disable',
  parse(url) {
    const target = parsePostgresUrl(url);
    return (options) => withWire(target.host, target.port, options, (wire) => handshake(wire, target));
  },
};

/**
 * The connection parameters of a `postgres://` URL (libpq's URI form: the database defaults to
 * the user, `?password=` is read as libpq reads it, `sslmode` defaults to `prefer`).
 *
 * @example
 * parsePostgresUrl(new URL('postgres://app:s3cret@db/orders')); // { host: 'db', port: 5432, user: 'app', password: 's3cret', database: 'orders', sslmode: 'prefer' }
 */
export function parsePostgresUrl(url: URL): PostgresTarget {
  const host = hostOf(url);
  const port = portOf(url, 5432);
  const user = decoded(url, url.username, 'user');
  if (user === '') throw new TargetError(`${redactUrl(url)}: no user (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)`);
  const password = url.password !== '' ? decoded(url, url.password, 'password') : (url.searchParams.get('password') ?? undefined);
  const database = decoded(url, url.pathname.replace(/^\//, ''), 'database name') || user;
  const sslmode = url.searchParams.get('sslmode') ?? 'prefer';
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw new TargetError(`${redactUrl(url)}: sslmode "${sslmode}" is not one of ${SSL_MODES.join(', ')}`);
  }
  return { host, port, user, password, database, sslmode: sslmode as SslMode };
}

async function handshake(wire: Wire, target: PostgresTarget): Promise<void> {
  if (target.sslmode !== 'disable' && target.sslmode !== 'allow') await negotiateTls(wire, target);

  wire.step('waiting for the answer to the startup message');
  wire.write(startupMessage(target.user, target.database));
  let scram: { first: ScramClientFirst; password: string; final?: ScramClientFinal } | undefined;
  for (;;) {
    const { type, body } = await readMessage(wire);
    switch (type) {
      case 'E':
        throw new ProbeError(describeErrorResponse(body));
      case 'Z':
        wire.close(TERMINATE);
        return;
      case 'S': // ParameterStatus
      case 'K': // BackendKeyData
      case 'N': // NoticeResponse
      case 'v': // NegotiateProtocolVersion (a newer server, fine)
        continue;
      case 'R':
        break;
      default:
        throw notPostgres(`message type ${JSON.stringify(type)}`);
    }
    const code = body.readInt32BE(0);
    switch (code) {
      case AUTH.ok:
        wire.step('waiting for ReadyForQuery after authentication');
        continue;
      case AUTH.cleartext:
        wire.write(passwordMessage(needPassword(target, 'cleartext')));
        break;
      case AUTH.md5: {
        const password = needPassword(target, 'MD5');
        const inner = md5Hex(Buffer.from(password + target.user));
        wire.write(passwordMessage(`md5${md5Hex(Buffer.concat([Buffer.from(inner), body.subarray(4, 8)]))}`));
        break;
      }
      case AUTH.sasl: {
        const mechanisms = body.subarray(4).toString('utf8').split('\0').filter(Boolean);
        if (!mechanisms.includes(SCRAM_SHA_256)) throw new ProbeError(`the server offers SASL mechanisms ${mechanisms.join(', ')}; only ${SCRAM_SHA_256} is supported`);
        scram = { first: scramClientFirst(), password: needPassword(target, SCRAM_SHA_256) };
        wire.write(saslInitialResponse(SCRAM_SHA_256, scram.first.message));
        break;
      }
      case AUTH.saslContinue:
        if (scram === undefined) throw notPostgres('SASLContinue before SASL');
        scram.final = scramClientFinal(scram.first, body.subarray(4).toString('utf8'), scram.password);
        wire.write(saslResponse(scram.final.message));
        break;
      case AUTH.saslFinal:
        if (scram?.final === undefined) throw notPostgres('SASLFinal before SASLContinue');
        scramVerifyServerFinal(scram.final, body.subarray(4).toString('utf8'));
        break;
      default:
        throw new ProbeError(`the server asks for ${AUTH_NAMES[code] ?? `authentication method ${code}`}, which wait-for does not speak`);
    }
    wire.step('waiting for the answer to the password');
  }
}

/** SSLRequest, then TLS if the server says `S`; `N` is fine unless the sslmode requires TLS. */
async function negotiateTls(wire: Wire, target: PostgresTarget): Promise<void> {
  wire.step('waiting for the answer to SSLRequest');
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(SSL_REQUEST_CODE, 4);
  wire.write(request);
  const answer = (await wire.read(1)).toString('latin1');
  if (answer === 'S') {
    await wire.startTls(tlsOptions(target));
    return;
  }
  if (answer === 'N') {
    if (target.sslmode === 'prefer') return;
    throw new ProbeError(`the server does not accept TLS, and sslmode=${target.sslmode} requires it`);
  }
  if (answer === 'E') {
    // A server too old for SSLRequest answers it with an ErrorResponse.
    const rest = await wire.read(4);
    const body = await wire.read(messageLength(rest.readInt32BE(0)) - 4);
    throw new ProbeError(describeErrorResponse(body));
  }
  throw notPostgres(`answer ${JSON.stringify(answer)} to SSLRequest`);
}

function tlsOptions(target: PostgresTarget): ConnectionOptions {
  const servername = isIP(target.host) === 0 ? { servername: target.host } : {};
  switch (target.sslmode) {
    case 'verify-full':
      return { ...servername, rejectUnauthorized: true };
    case 'verify-ca':
      return { ...servername, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    default:
      // libpq's prefer and require encrypt without checking the certificate.
      return { ...servername, rejectUnauthorized: false };
  }
}

function needPassword(target: PostgresTarget, method: string): string {
  if (target.password === undefined) throw new ProbeError(`the server asks user "${target.user}" for a password (${method}) and the URL has none`);
  return target.password;
}

async function readMessage(wire: Wire): Promise<{ type: string; body: Buffer }> {
  const header = await wire.read(5);
  const type = String.fromCharCode(header[0]!);
  const length = messageLength(header.readInt32BE(1));
  return { type, body: await wire.read(length - 4) };
}

function messageLength(length: number): number {
  if (length < 4 || length > MAX_MESSAGE) throw notPostgres(`message length ${length}`);
  return length;
}

function notPostgres(what: string): ProbeError {
  return new ProbeError(`not a PostgreSQL server (unexpected ${what})`);
}

/**
 * An ErrorResponse in one line: `FATAL 57P03: the database system is starting up`, the
 * detail in parentheses. Fields are a type byte and a C string each, ended by a zero byte.
 *
 * @example
 * describeErrorResponse(errorResponseBody({ V: 'FATAL', C: '3D000', M: 'database "orders" does not exist' }));
 * // 'FATAL 3D000: database "orders" does not exist'
 */
export function describeErrorResponse(body: Buffer): string {
  const fields = new Map<string, string>();
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const type = String.fromCharCode(body[at]!);
    const end = body.indexOf(0, at + 1);
    if (end === -1) break;
    fields.set(type, body.subarray(at + 1, end).toString('utf8'));
    at = end + 1;
  }
  // V is the severity never translated (9.6+); S may be in the server's language.
  const severity = fields.get('V') ?? fields.get('S') ?? 'ERROR';
  const code = fields.get('C');
  const detail = fields.get('D');
  return `${severity}${code ? ` ${code}` : ''}: ${fields.get('M') ?? '(no message)'}${detail ? ` (${detail})` : ''}`;
}

/** The body of an ErrorResponse (for tests and fake servers): each field a type byte and a C string. */
export function errorResponseBody(fields: Record<string, string>): Buffer {
  return Buffer.concat([...Object.entries(fields).map(([type, value]) => Buffer.from(`${type}${value}\0`, 'utf8')), Buffer.from([0])]);
}

/** A whole backend or frontend message: type byte, Int32 length (itself included), body. */
export function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function startupMessage(user: string, database: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0application_name\0medic-wait-for\0\0`, 'utf8');
  const head = Buffer.alloc(8);
  head.writeInt32BE(params.length + 8, 0);
  head.writeInt32BE(PROTOCOL_VERSION_3, 4);
  return Buffer.concat([head, params]);
}

function passwordMessage(password: string): Buffer {
  return message('p', Buffer.from(`${password}\0`, 'utf8'));
}

function saslInitialResponse(mechanism: string, data: string): Buffer {
  const payload = Buffer.from(data, 'utf8');
  const length = Buffer.alloc(4);
  length.writeInt32BE(payload.length, 0);
  return message('p', Buffer.concat([Buffer.from(`${mechanism}\0`, 'utf8'), length, payload]));
}

function saslResponse(data: string): Buffer {
  return message('p', Buffer.from(data, 'utf8'));
}

function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}
