import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

/** Prometheus metrics of this process; fleet gauges are read from Postgres at scrape time. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'wgfleet_http_request_duration_seconds',
    help: 'REST request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });

  constructor(dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry, prefix: 'wgfleet_' });
    new Gauge({
      name: 'wgfleet_hosts',
      help: 'Hosts by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const rows = (await dataSource.query(`SELECT status, count(*)::int AS n FROM hosts GROUP BY status`)) as Array<{ status: string; n: number }>;
        this.reset();
        for (const r of rows) this.set({ status: r.status }, r.n);
      },
    });
    new Gauge({
      name: 'wgfleet_hosts_behind',
      help: 'Hosts whose applied revision is behind the desired one',
      registers: [this.registry],
      async collect() {
        const [row] = (await dataSource.query(`SELECT count(*)::int AS n FROM hosts WHERE applied_revision < desired_revision`)) as Array<{ n: number }>;
        this.set(row?.n ?? 0);
      },
    });
    new Gauge({
      name: 'wgfleet_peers',
      help: 'Peers by state',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const [row] = (await dataSource.query(
          `SELECT count(*) FILTER (WHERE suspended_reason IS NULL)::int AS active, count(*) FILTER (WHERE suspended_reason IS NOT NULL)::int AS suspended FROM peers`,
        )) as Array<{ active: number; suspended: number }>;
        this.set({ state: 'active' }, row?.active ?? 0);
        this.set({ state: 'suspended' }, row?.suspended ?? 0);
      },
    });
  }
}
