import { Global, Module } from '@nestjs/common';
import { PkiService } from './pki.service';

/** The agents' certificate authority (enrollment tokens carry its fingerprint; gRPC serves its certificates). */
@Global()
@Module({ providers: [PkiService], exports: [PkiService] })
export class PkiModule {}
