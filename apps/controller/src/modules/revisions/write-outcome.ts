/**
 * What a desired-state write returns to its controller. RevisionInterceptor adds `revision` to the
 * body and the X-Wgfleet-Revision header, and honours ?wait=applied.
 */
export class WriteOutcome<T extends object> {
  constructor(
    readonly body: T,
    readonly hostId: string,
    readonly revision: number,
  ) {}
}
