import { KnnkitError } from '../core/errors.js';
import { METRIC_NAMES, resolveMetric } from '../metrics/registry.js';
import type { Metric, MetricSpec } from '../metrics/types.js';
import type { FamilyDescriptor } from '../index/registry.js';
import { numberOption, type ParsedArgs } from './args.js';

/** --metric NAME (and --p P for minkowski), validated before any data is read. */
export function metricOption(o: ParsedArgs['options']): MetricSpec {
  const m = o.metric;
  let name = 'euclidean';
  if (m !== undefined) {
    name = String(m).toLowerCase();
    if (!METRIC_NAMES.includes(name)) throw new KnnkitError('--metric', `--metric: got ${JSON.stringify(m)}; expected one of ${METRIC_NAMES.join(', ')}`);
  }
  if (o.p !== undefined) {
    if (name !== 'minkowski') throw new KnnkitError('--p', `--p: only applies to --metric minkowski (got --metric ${name})`);
    return { name, p: numberOption(o, 'p', 2, 1) };
  }
  return name;
}

/** Re-labels a library error about the metric with the CLI option it came from. */
export function withMetricOption<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KnnkitError && e.param === 'metric') throw new KnnkitError('--metric', `--metric: ${e.message.replace(/^metric: /, '')}`);
    throw e;
  }
}

/** "euclidean", "minkowski (p = 3)", "mahalanobis (VI given)" for the human output. */
export function describeMetric(m: Metric | MetricSpec): string {
  if (typeof m === 'string') return m;
  const params = ((m as Metric).params ?? m) as Record<string, unknown>;
  const extra = Object.keys(params).filter((k) => k !== 'name');
  if (typeof params.p === 'number') return `${m.name} (p = ${params.p})`;
  return extra.length ? `${m.name} (${extra.join(', ')} given)` : m.name;
}

/**
 * Refuses a metric the family does not support before any data is read, when the metric resolves
 * without data (Mahalanobis fitted on the data is checked once the data is there, by the build).
 */
export function checkMetricEarly(family: FamilyDescriptor, spec: MetricSpec): void {
  let metric: Metric;
  try { metric = resolveMetric(spec); } catch { return; }
  const why = family.supportsMetric(metric);
  if (why) throw new KnnkitError('--metric', `--metric: got ${JSON.stringify(metric.name)}; ${why}`);
}
