import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

/**
 * Powertools for AWS Lambda (TypeScript) Metrics (`@aws-lambda-powertools/metrics`,
 * pinned, same major as the Logger): one CloudWatch Embedded Metric Format
 * line per invocation on stdout, which CloudWatch Logs turns into metrics
 * without any PutMetricData call or permission
 * (https://docs.powertools.aws.dev/lambda/typescript/latest/features/metrics/,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * Namespace `POWERTOOLS_METRICS_NAMESPACE` (default `xacct-s3`), dimension
 * `service` (`POWERTOOLS_SERVICE_NAME`, default `xacct-s3`) and
 * `handler`. Every outcome metric is emitted on every invocation (0 included),
 * so an alarm on `PermanentFailures > 0` has data points and needs no
 * "missing data" rule.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || "xacct-s3",
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || "xacct-s3",
});

/** Metric names (CloudWatch metric names in the namespace above). */
export const METRIC = {
  written: "RecordsWritten",
  tombstones: "Tombstones",
  skipped: "RecordsSkipped",
  permanent: "PermanentFailures",
  transient: "TransientFailures",
  stsRefreshes: "StsRefreshes",
  fallbacks: "CredentialFallbacks",
  throttled: "ThrottledCalls",
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Emit this invocation's counts as one EMF line (names from METRIC). */
export function publishMetrics(handler: string, counts: Partial<Record<MetricName, number>>): void {
  metrics.addDimension("handler", handler);
  for (const [name, value] of Object.entries(counts)) metrics.addMetric(name, MetricUnit.Count, value ?? 0);
  metrics.publishStoredMetrics();
}
