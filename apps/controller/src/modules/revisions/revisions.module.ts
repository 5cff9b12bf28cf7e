import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppliedWaiter } from './applied-waiter.service';
import { HostChangeEntity } from './host-change.entity';
import { HostWriter } from './host-writer';
import { RevisionEventsService } from './revision-events.service';
import { RevisionInterceptor } from './revision.interceptor';

/** The write path every desired-state change goes through, and revision events between replicas. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([HostChangeEntity])],
  providers: [HostWriter, RevisionEventsService, AppliedWaiter, RevisionInterceptor],
  exports: [HostWriter, RevisionEventsService, AppliedWaiter, RevisionInterceptor],
})
export class RevisionsModule {}
