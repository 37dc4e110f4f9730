/**
 * Errors of the alert channels. The `name` is what Step Functions sees as the failed Task's
 * `Error`: none of these is retried by the ASL (its Retry names TransientAwsError and the
 * Lambda service errors), so they reach the Notify states' Catch.
 *
 * No message here ever contains a webhook URL or a token: Slack's answer is quoted, the
 * address never is.
 */
import { MedicError } from '../errors';

/** Slack did not take the message: an HTTP error, a Web API `ok: false`, a timeout, a network failure. */
export class SlackDeliveryError extends MedicError {
  constructor(
    message: string,
    readonly details: { status?: number; slackError?: string } = {},
  ) {
    super(message);
  }
}

/** Slack kept answering HTTP 429 beyond the retries (or asked for a longer wait) than one delivery allows. */
export class SlackRateLimitedError extends SlackDeliveryError {}

/** The Slack secret cannot be used: missing, unreadable, or neither a webhook URL nor a bot token. */
export class SlackConfigError extends MedicError {}
