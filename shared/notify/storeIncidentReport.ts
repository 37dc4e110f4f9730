/**
 * Writes an incident report to the reports bucket (`REPORTS_BUCKET`). One object per incident,
 * overwritten at every phase: the last write is the whole story.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { transientAware } from '../aws/transient';
import { type ReportLink, s3ConsoleUrl } from './links';

export interface ReportStore {
  s3: S3Client;
  bucket: string;
  /** The bucket's region, for the console link. */
  region: string;
}

/**
 * @example
 * const link = await storeIncidentReport({ s3, bucket: 'medic-reports', region: 'us-east-1' }, reportKeyFor(key), markdown);
 * link.url; // 'https://s3.console.aws.amazon.com/s3/object/medic-reports?region=us-east-1&bucketType=general&prefix=reports%2F...'
 */
export async function storeIncidentReport(store: ReportStore, key: string, markdown: string): Promise<Extract<ReportLink, { url: string }>> {
  await transientAware('PutObject', () =>
    store.s3.send(
      new PutObjectCommand({
        Bucket: store.bucket,
        Key: key,
        Body: markdown,
        ContentType: 'text/markdown; charset=utf-8',
      }),
    ),
  );
  return { url: s3ConsoleUrl(store.bucket, key, store.region), bucket: store.bucket, key };
}
