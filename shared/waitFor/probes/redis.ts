/**
 * `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`: ready when `PING` answers `+PONG` (after
 * `AUTH` when the URL has a password).
 *
 * An open port is not a ready Redis: while it loads its dataset it answers every command
 * with `-LOADING Redis is loading the dataset in memory`; with `requirepass` and no password,
 * `-NOAUTH Authentication required.`. Those replies, as Redis sends them, are the attempt's error.
 */
import { ProbeError, TargetError } from '../errors';
import { redactUrl } from '../redact';
import type { Probe } from '../types';
import { decoded, hostOf, portOf } from '../urlParts';
import { withWire } from './wire';

export interface RedisTarget {
  host: string;
  port: number;
  /** An ACL user (Redis 6+); empty for the default user. */
  user: string;
  password: string | undefined;
}

export const redisProbe: Probe = {
  schemes: ['redis'],
  ready: 'PING answers +PONG (after AUTH when the URL has a password); -LOADING, -NOAUTH, -MASTERDOWN ... are not ready',
  example: 'redis://:secret@127.0.0.1:6379/0',
  parse(url) {
    const target = parseRedisUrl(url);
    return (options) =>
      withWire(target.host, target.port, options, async (wire) => {
        if (target.password !== undefined) {
          wire.write(command('AUTH', ...(target.user === '' ? [] : [target.user]), target.password));
        }
        // Pipelined: both replies come back in order.
        wire.write(command('PING'));
        if (target.password !== undefined) {
          wire.step('waiting for the AUTH reply');
          const auth = await wire.readLine();
          // A password for a server that asks none still finds it ready (Redis 6+ says so with -ERR).
          if (auth.startsWith('-') && !/without any password configured/i.test(auth)) throw new ProbeError(auth);
          if (!auth.startsWith('+') && !auth.startsWith('-')) throw notRedis(auth);
        }
        wire.step('waiting for the PING reply');
        const pong = await wire.readLine();
        if (pong === '+PONG') return;
        throw pong.startsWith('-') ? new ProbeError(pong) : notRedis(pong);
      });
  },
};

/**
 * @example
 * parseRedisUrl(new URL('redis://:s3cret@cache:6380/2')); // { host: 'cache', port: 6380, user: '', password: 's3cret' }
 */
export function parseRedisUrl(url: URL): RedisTarget {
  const host = hostOf(url);
  const port = portOf(url, 6379);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new TargetError(`${redactUrl(url)}: "/${db}" is not a database number`);
  const user = decoded(url, url.username, 'user');
  const password = url.password !== '' ? decoded(url, url.password, 'password') : undefined;
  return { host, port, user, password };
}

/** A RESP array of bulk strings: how clients send commands. */
function command(...args: string[]): Buffer {
  return Buffer.concat([
    Buffer.from(`*${args.length}\r\n`),
    ...args.map((arg) => {
      const bytes = Buffer.from(arg, 'utf8');
      return Buffer.concat([Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n')]);
    }),
  ]);
}

function notRedis(reply: string): ProbeError {
  return new ProbeError(`not a Redis server (unexpected reply ${JSON.stringify(reply.slice(0, 40))})`);
}
