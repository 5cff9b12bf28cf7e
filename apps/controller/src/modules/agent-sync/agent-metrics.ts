import { Injectable } from '@nestjs/common';
import { Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../health/metrics.service';

/** Prometheus figures of the agent side of this replica, on the process's /metrics registry. */
@Injectable()
export class AgentMetrics {
  readonly applyDuration: Histogram<'result' | 'mode'>;
  readonly streams: Gauge;

  constructor(metrics: MetricsService) {
    this.applyDuration = new Histogram({
      name: 'wgfleet_agent_apply_duration_seconds',
      help: 'How long agents took to apply a revision, as they acknowledged it, by result and mode',
      labelNames: ['result', 'mode'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
      registers: [metrics.registry],
    });
    this.streams = new Gauge({ name: 'wgfleet_agent_streams', help: 'Agent streams open on this replica', registers: [metrics.registry] });
  }
}
