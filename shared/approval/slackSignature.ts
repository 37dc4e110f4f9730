/**
 * Slack request signing ("Verifying requests from Slack", api.slack.com/authentication/verifying-requests-from-slack):
 *
 *   basestring = `v0:${X-Slack-Request-Timestamp}:${raw body}`
 *   X-Slack-Signature = 'v0=' + hex(HMAC-SHA256(signing secret, basestring))
 *
 * compared in constant time, and refused when the timestamp is more than five minutes away
 * from now (a captured request cannot be replayed later). The body must be the raw bytes as
 * received: re-encoding a parsed form changes them and breaks the signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { MedicError } from '../errors';

/** Slack's documented replay window. */
export const SLACK_MAX_SKEW_SECONDS = 5 * 60;

/** Why a request is not Slack's: the endpoint answers 401 with this message, and does nothing. */
export class SlackSignatureError extends MedicError {}

export interface SlackSignedRequest {
  /** `X-Slack-Signature`, e.g. `v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503`. */
  signature: string | undefined;
  /** `X-Slack-Request-Timestamp`, Unix seconds. */
  timestamp: string | undefined;
  /** The body exactly as received. */
  rawBody: string;
}

/** `v0=` + the hex HMAC-SHA256 Slack would send for this body at this time. */
export function slackSignatureFor(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`, 'utf8').digest('hex')}`;
}

/**
 * Throws {@link SlackSignatureError} unless the request was signed with the signing secret
 * within the last five minutes.
 *
 * @example
 * verifySlackSignature('8f742231b10e8888abcd99yyyzzz85a5', { signature: headers['x-slack-signature'], timestamp: headers['x-slack-request-timestamp'], rawBody }, new Date());
 */
export function verifySlackSignature(signingSecret: string, request: SlackSignedRequest, now: Date = new Date()): void {
  const { signature, timestamp, rawBody } = request;
  if (signature === undefined || signature === '') throw new SlackSignatureError('missing X-Slack-Signature header');
  if (timestamp === undefined || timestamp === '') throw new SlackSignatureError('missing X-Slack-Request-Timestamp header');
  if (!/^\d{1,12}$/.test(timestamp)) throw new SlackSignatureError('X-Slack-Request-Timestamp is not a Unix time in seconds');
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp));
  if (skew > SLACK_MAX_SKEW_SECONDS) throw new SlackSignatureError(`request timestamp is ${skew} s away from now (more than ${SLACK_MAX_SKEW_SECONDS} s): refused as a possible replay`);
  if (!signature.startsWith('v0=')) throw new SlackSignatureError('X-Slack-Signature is not a v0 signature');

  const expected = Buffer.from(slackSignatureFor(signingSecret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch reveals nothing about the secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new SlackSignatureError('X-Slack-Signature does not match the request');
}
