import { Global, Module } from '@nestjs/common';
import { HostRevocationsService } from './host-revocations.service';
import { PkiService } from './pki.service';

/** The agents' certificate authority (enrollment tokens carry its fingerprint; gRPC serves its certificates). */
@Global()
@Module({ providers: [PkiService, HostRevocationsService], exports: [PkiService, HostRevocationsService] })
export class PkiModule {}
