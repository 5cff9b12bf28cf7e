import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module';
import { AgentGrpcServer } from './agent-grpc.server';
import { AgentMetrics } from './agent-metrics';
import { AgentReportsService } from './agent-reports.service';
import { EnrollmentService } from './enrollment.service';
import { HostStateReader } from './host-state.reader';

/** The agents' side of the controller: enrollment, the Connect streams, and what agents report. */
@Module({
  imports: [HealthModule],
  providers: [AgentGrpcServer, EnrollmentService, HostStateReader, AgentReportsService, AgentMetrics],
  exports: [AgentGrpcServer],
})
export class AgentSyncModule {}
