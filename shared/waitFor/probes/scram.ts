/**
 * SCRAM-SHA-256 (RFC 5802 / RFC 7677), the client side, as PostgreSQL 10+ speaks it: the
 * default password method since PostgreSQL 14, so the GitHub Actions `postgres` service
 * asks for it. Pure functions over strings; the probe does the messaging.
 *
 * No channel binding (the gs2 header is `n,,`): PostgreSQL accepts that over TLS and plain
 * TCP alike. The password is used as given, without SASLprep, which is the identity for
 * printable ASCII; PostgreSQL itself falls back to the raw password when SASLprep fails.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ProbeError } from '../errors';

export const SCRAM_SHA_256 = 'SCRAM-SHA-256';

export interface ScramClientFirst {
  /** The whole client-first-message, what SASLInitialResponse carries. */
  message: string;
  /** client-first-message-bare, part of the AuthMessage. */
  bare: string;
  nonce: string;
}

/**
 * @param user PostgreSQL ignores it (the startup message names the user) and libpq sends `''`.
 * @example
 * scramClientFirst('', 'rOprNGfwEbeRWgbNEkqO').message; // 'n,,n=,r=rOprNGfwEbeRWgbNEkqO'
 */
export function scramClientFirst(user = '', nonce = randomBytes(18).toString('base64')): ScramClientFirst {
  const bare = `n=${user.replaceAll('=', '=3D').replaceAll(',', '=2C')},r=${nonce}`;
  return { message: `n,,${bare}`, bare, nonce };
}

export interface ScramClientFinal {
  /** The client-final-message, what SASLResponse carries. */
  message: string;
  /** What the server must prove in its server-final-message (`v=...`), base64. */
  serverSignature: string;
}

/**
 * @example
 * const first = scramClientFirst('user', 'rOprNGfwEbeRWgbNEkqO');
 * scramClientFinal(first, 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096', 'pencil').message;
 * // 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='
 */
export function scramClientFinal(first: ScramClientFirst, serverFirst: string, password: string): ScramClientFinal {
  const attrs = parseAttributes(serverFirst);
  const nonce = attrs.get('r');
  const salt = attrs.get('s');
  const iterations = Number(attrs.get('i'));
  if (nonce === undefined || salt === undefined || !Number.isInteger(iterations) || iterations < 1) {
    throw new ProbeError('SCRAM: the server-first-message is malformed');
  }
  if (!nonce.startsWith(first.nonce)) throw new ProbeError('SCRAM: the server nonce does not extend ours');
  const salted = pbkdf2Sync(password, Buffer.from(salt, 'base64'), iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const withoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${first.bare},${serverFirst},${withoutProof}`;
  const clientSignature = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ clientSignature[i]!));
  const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage).toString('base64');
  return { message: `${withoutProof},p=${proof.toString('base64')}`, serverSignature };
}

/** Checks the server-final-message: the server knew the password too (or says why it refused). */
export function scramVerifyServerFinal(final: ScramClientFinal, serverFinal: string): void {
  const attrs = parseAttributes(serverFinal);
  const error = attrs.get('e');
  if (error !== undefined) throw new ProbeError(`SCRAM: the server refused: ${error}`);
  const verifier = Buffer.from(attrs.get('v') ?? '', 'base64');
  const expected = Buffer.from(final.serverSignature, 'base64');
  if (verifier.length !== expected.length || !timingSafeEqual(verifier, expected)) {
    throw new ProbeError('SCRAM: the server signature does not match (not the server we asked, or a broken one)');
  }
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** `r=...,s=...,i=4096` → Map; values may contain `=` (base64), so split at the first one. */
function parseAttributes(message: string): Map<string, string> {
  return new Map(
    message.split(',').map((part) => {
      const eq = part.indexOf('=');
      return [part.slice(0, eq), part.slice(eq + 1)] as [string, string];
    }),
  );
}
