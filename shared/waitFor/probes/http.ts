/**
 * `http(s)://HOST[:PORT]/PATH`: ready when a GET answers 2xx.
 *
 * Redirects are not followed: a health endpoint that redirects (to a login page, to https)
 * is not the endpoint the pipeline meant, so a 3xx is "not ready" and says where it points.
 * Credentials in the URL are sent as Basic auth, as Node's http client does with any URL.
 */
import { STATUS_CODES, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ProbeError } from '../errors';
import { redactText } from '../redact';
import type { AttemptOptions, Probe } from '../types';
import { hostOf, portOf } from '../urlParts';
import { attemptTimeout, describeNetError } from './wire';

export const httpProbe: Probe = {
  schemes: ['http', 'https'],
  ready: 'GET answers 2xx; redirects are not followed (a 3xx is not ready)',
  example: 'http://127.0.0.1:8080/healthz',
  parse(url) {
    const address = `${hostOf(url)}:${portOf(url)}`;
    return (options) => get(url, address, options);
  },
};

function get(url: URL, address: string, options: AttemptOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let phase = `connecting to ${address}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // No agent: no keep-alive socket outlives the attempt.
    const request = send(url, { method: 'GET', agent: false, headers: { 'user-agent': 'medic-wait-for', accept: '*/*' } });
    const onAbort = (): void => {
      request.destroy(attemptTimeout(options, phase));
    };
    const settle = (): void => options.signal.removeEventListener('abort', onAbort);
    options.signal.addEventListener('abort', onAbort, { once: true });
    request.once('socket', (socket) => socket.once('connect', () => (phase = 'waiting for the response')));
    request.once('response', (response) => {
      settle();
      const status = response.statusCode ?? 0;
      const reason = response.statusMessage || STATUS_CODES[status] || '';
      const location = response.headers.location;
      response.destroy(); // the status is the answer; the body is not read
      if (status >= 200 && status < 300) resolve();
      else if (status >= 300 && status < 400) {
        reject(new ProbeError(`HTTP ${status} ${reason}: a redirect${location ? ` to ${redactText(location)}` : ''}, not followed`));
      } else reject(new ProbeError(`HTTP ${status} ${reason}`.trim()));
    });
    request.once('error', (error) => {
      settle();
      reject(error instanceof ProbeError ? error : new ProbeError(describeNetError(error), { cause: error }));
    });
    if (options.signal.aborted) onAbort();
    request.end();
  });
}
