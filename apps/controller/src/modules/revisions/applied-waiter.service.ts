import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HostEntity } from '../hosts/host.entity';
import { RevisionEventsService } from './revision-events.service';

/** Holds a request until its host acknowledged a revision, or the timeout passes. */
@Injectable()
export class AppliedWaiter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: RevisionEventsService,
  ) {}

  async waitFor(hostId: string, revision: number, timeoutMs: number): Promise<boolean> {
    if (await this.isApplied(hostId, revision)) return true;
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const finish = (applied: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        resolve(applied);
      };
      const unsubscribe = this.events.onApplied((e) => {
        if (e.hostId === hostId && e.revision >= revision) finish(true);
      });
      // The event may have fired between the first check and subscribing; the DB re-check at the
      // deadline covers that, and a lost pub/sub message.
      const timer = setTimeout(() => {
        void this.isApplied(hostId, revision).then(finish, () => finish(false));
      }, timeoutMs);
      void this.isApplied(hostId, revision).then((applied) => applied && finish(true), () => undefined);
    });
  }

  private async isApplied(hostId: string, revision: number): Promise<boolean> {
    const host = await this.dataSource.getRepository(HostEntity).findOne({ where: { id: hostId }, select: { id: true, appliedRevision: true } });
    return (host?.appliedRevision ?? 0) >= revision;
  }
}
