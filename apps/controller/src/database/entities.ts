import { ApiKeyEntity } from '../modules/access/api-key.entity';
import { AuditEventEntity } from '../modules/audit/audit-event.entity';
import { EnrollmentTokenEntity } from '../modules/hosts/enrollment-token.entity';
import { HostEntity } from '../modules/hosts/host.entity';
import { IdempotencyKeyEntity } from '../modules/idempotency/idempotency-key.entity';
import { InterfaceEntity } from '../modules/interfaces/interface.entity';
import { PeerEntity } from '../modules/peers/peer.entity';
import { PortForwardEntity } from '../modules/port-forwards/port-forward.entity';
import { HostChangeEntity } from '../modules/revisions/host-change.entity';

export const ENTITIES = [
  HostEntity,
  EnrollmentTokenEntity,
  HostChangeEntity,
  InterfaceEntity,
  PeerEntity,
  PortForwardEntity,
  ApiKeyEntity,
  AuditEventEntity,
  IdempotencyKeyEntity,
];
