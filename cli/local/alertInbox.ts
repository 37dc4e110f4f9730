/**
 * An SQS queue subscribed to the alerts topic: what an on-call tool subscribed to the
 * topic would receive. Reading it back proves the real SNS message, attributes included.
 */
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface ReceivedAlert {
  subject: string;
  /** The body SNS chose for the SQS protocol: our JSON document. */
  json: Record<string, unknown>;
  attributes: Record<string, string>;
}

export async function createAlertTopicWithInbox(sns: SNSClient, sqs: SQSClient, name: string) {
  const topic = await sns.send(new CreateTopicCommand({ Name: name }));
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-inbox` }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'sqs', Endpoint: attrs.Attributes?.QueueArn }));
  const topicArn = topic.TopicArn ?? '';
  const queueUrl = queue.QueueUrl ?? '';

  return {
    topicArn,
    /** Every alert delivered so far, oldest first. */
    async receive(): Promise<ReceivedAlert[]> {
      const alerts: ReceivedAlert[] = [];
      for (;;) {
        const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        if (!out.Messages?.length) return alerts;
        for (const message of out.Messages) {
          // SNS -> SQS envelope (not raw delivery): Subject, Message, MessageAttributes {Type, Value}.
          const envelope = JSON.parse(message.Body ?? '{}') as {
            Subject?: string;
            Message?: string;
            MessageAttributes?: Record<string, { Type: string; Value: string }>;
          };
          alerts.push({
            subject: envelope.Subject ?? '',
            json: JSON.parse(envelope.Message ?? '{}') as Record<string, unknown>,
            attributes: Object.fromEntries(Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value])),
          });
        }
      }
    },
  };
}
