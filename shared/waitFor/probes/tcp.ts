/**
 * `tcp://HOST:PORT`: ready when a TCP connection is accepted. The weakest readiness there is
 * (a port can listen long before the service behind it answers): prefer a protocol probe
 * when there is one for the service.
 */
import type { Probe } from '../types';
import { hostOf, portOf } from '../urlParts';
import { withWire } from './wire';

export const tcpProbe: Probe = {
  schemes: ['tcp'],
  ready: 'a TCP connection to HOST:PORT is accepted',
  example: 'tcp://127.0.0.1:9092',
  parse(url) {
    const host = hostOf(url);
    const port = portOf(url);
    return (options) => withWire(host, port, options, async () => {});
  },
};
