/**
 * Slack request signatures, against the example Slack documents in "Verifying requests from
 * Slack" (api.slack.com/authentication/verifying-requests-from-slack): that signing secret,
 * timestamp and slash-command body must give exactly the documented signature.
 */
import { describe, expect, it } from 'vitest';
import { SlackSignatureError, slackSignatureFor, verifySlackSignature } from '../../shared/approval/slackSignature';

const SLACK_EXAMPLE = {
  signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  rawBody:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
/** The moment Slack sent it, and a minute later: inside the 5-minute window. */
const sentAt = new Date(Number(SLACK_EXAMPLE.timestamp) * 1000);
const aMinuteLater = new Date(sentAt.getTime() + 60_000);
const request = { signature: SLACK_EXAMPLE.signature, timestamp: SLACK_EXAMPLE.timestamp, rawBody: SLACK_EXAMPLE.rawBody };

describe('Slack request signature', () => {
  it("computes Slack's documented signature for Slack's documented example", () => {
    expect(slackSignatureFor(SLACK_EXAMPLE.signingSecret, SLACK_EXAMPLE.timestamp, SLACK_EXAMPLE.rawBody)).toBe(SLACK_EXAMPLE.signature);
  });

  it("accepts Slack's example request within five minutes of its timestamp", () => {
    expect(() => verifySlackSignature(SLACK_EXAMPLE.signingSecret, request, aMinuteLater)).not.toThrow();
  });

  it.each([
    ['a tampered body (the user swapped)', { ...request, rawBody: request.rawBody.replace('user_id=U2CERLKJA', 'user_id=U0ATTACKER') }, 'X-Slack-Signature does not match the request'],
    ['one byte appended to the body', { ...request, rawBody: `${request.rawBody}&` }, 'X-Slack-Signature does not match the request'],
    ['a timestamp changed to look fresh', { ...request, timestamp: String(Number(request.timestamp) + 30) }, 'X-Slack-Signature does not match the request'],
    ['a truncated signature', { ...request, signature: request.signature.slice(0, -2) }, 'X-Slack-Signature does not match the request'],
    ['a v1 signature', { ...request, signature: request.signature.replace('v0=', 'v1=') }, 'X-Slack-Signature is not a v0 signature'],
    ['no X-Slack-Signature header', { ...request, signature: undefined }, 'missing X-Slack-Signature header'],
    ['no X-Slack-Request-Timestamp header', { ...request, timestamp: undefined }, 'missing X-Slack-Request-Timestamp header'],
    ['a timestamp that is not a number', { ...request, timestamp: '2018-07-12T18:36:58Z' }, 'X-Slack-Request-Timestamp is not a Unix time in seconds'],
  ])('refuses %s', (_case, tampered, message) => {
    expect(() => verifySlackSignature(SLACK_EXAMPLE.signingSecret, tampered, aMinuteLater)).toThrowError(new SlackSignatureError(message));
  });

  it('refuses the right signature made with another signing secret', () => {
    expect(() => verifySlackSignature('another-signing-secret-0000000000', request, aMinuteLater)).toThrowError('X-Slack-Signature does not match the request');
  });

  it('refuses a correctly signed request replayed more than five minutes later', () => {
    const fiveMinutesOneSecondLater = new Date(sentAt.getTime() + 301_000);
    expect(() => verifySlackSignature(SLACK_EXAMPLE.signingSecret, request, fiveMinutesOneSecondLater)).toThrowError(
      'request timestamp is 301 s away from now (more than 300 s): refused as a possible replay',
    );
    // Exactly five minutes is still inside Slack's window.
    expect(() => verifySlackSignature(SLACK_EXAMPLE.signingSecret, request, new Date(sentAt.getTime() + 300_000))).not.toThrow();
  });

  it('refuses a timestamp from the future just the same (a skewed or forged clock)', () => {
    const beforeItWasSent = new Date(sentAt.getTime() - 10 * 60_000);
    expect(() => verifySlackSignature(SLACK_EXAMPLE.signingSecret, request, beforeItWasSent)).toThrowError(/600 s away from now/);
  });
});
