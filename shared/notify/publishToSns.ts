/**
 * Publishes one notification to the alerts topic. `MessageStructure: 'json'` gives each
 * protocol its own body:
 *
 * | protocol        | body                                                                  |
 * |-----------------|-----------------------------------------------------------------------|
 * | email, default  | the readable text                                                     |
 * | sms             | the subject                                                           |
 * | sqs, lambda     | our JSON document (`notification.json`)                               |
 * | https, http     | the Amazon Q Developer in chat applications custom notification       |
 *
 * Amazon Q Developer (AWS Chatbot) subscribes to a topic over HTTPS, and the body is chosen by
 * protocol, not by subscriber: so every HTTP(S) subscriber gets the Chatbot shape. Machines
 * that want our document subscribe with SQS or Lambda (docs/operations.md).
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
  const chat = JSON.stringify(notification.chatbot);
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
          http: chat,
          https: chat,
        }),
        MessageAttributes: Object.fromEntries(
          Object.entries(notification.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      }),
    ),
  );
  return out.MessageId;
}
