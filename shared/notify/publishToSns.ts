/**
 * Publishes one notification to the alerts topic. `MessageStructure: 'json'` gives each
 * protocol its own body: people (email, SMS, chat) get the readable text, machines
 * (SQS, Lambda, HTTP) get the JSON document.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { transientAware } from '../aws/transient';
import type { Notification } from './formatNotification';

/**
 * @example
 * await publishToSns(sns, topicArn, formatNotification(input)); // -> 'message-id'
 */
export async function publishToSns(sns: SNSClient, topicArn: string, notification: Notification): Promise<string | undefined> {
  const machine = JSON.stringify(notification.json);
  const out = await transientAware('Publish', () =>
    sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: notification.subject,
        MessageStructure: 'json',
        Message: JSON.stringify({
          default: notification.text,
          email: notification.text,
          sms: notification.subject,
          sqs: machine,
          lambda: machine,
          http: machine,
          https: machine,
        }),
        MessageAttributes: Object.fromEntries(
          Object.entries(notification.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      }),
    ),
  );
  return out.MessageId;
}
