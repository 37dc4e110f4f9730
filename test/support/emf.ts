/**
 * Captures the EMF documents shared/metrics.ts writes, parsed, and reads them back the way
 * CloudWatch would: which metric, under which dimension sets, with which values.
 */
import { setMetricsSink } from '../../shared/metrics';

export interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

/** One metric as CloudWatch extracts it: its value(s), unit, dimension sets and their values. */
export interface EmfDatum {
  name: string;
  namespace: string;
  unit: string;
  values: number[];
  dimensionSets: string[][];
  dimensions: Record<string, string>;
  document: EmfDocument;
}

export interface CapturedEmf {
  documents: () => EmfDocument[];
  /** Every datum of that metric name, across documents. */
  datums: (name: string) => EmfDatum[];
  stop: () => void;
}

export function captureEmf(): CapturedEmf {
  const documents: EmfDocument[] = [];
  setMetricsSink((document) => documents.push(JSON.parse(document) as EmfDocument));
  const datums = (name: string): EmfDatum[] =>
    documents.flatMap((document) =>
      document._aws.CloudWatchMetrics.flatMap((directive) =>
        directive.Metrics.filter((metric) => metric.Name === name).map((metric) => {
          const dimensionNames = [...new Set(directive.Dimensions.flat())];
          const raw = document[name];
          return {
            name,
            namespace: directive.Namespace,
            unit: metric.Unit,
            values: (Array.isArray(raw) ? raw : [raw]) as number[],
            dimensionSets: directive.Dimensions,
            dimensions: Object.fromEntries(dimensionNames.map((d) => [d, String(document[d])])),
            document,
          };
        }),
      ),
    );
  return { documents: () => documents, datums, stop: () => setMetricsSink(undefined) };
}
