import { HttpStatus } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { ApiError } from './api-error';

// The database is the last line of defence for uniqueness (two racing requests both pass the
// service's checks); its constraint names are mapped here to the messages a panel can show.
const CONSTRAINT_MESSAGES: Record<string, { code: string; message: string; field: string }> = {
  uq_hosts_name: { code: 'NAME_TAKEN', message: 'A host with this name already exists', field: 'name' },
  uq_hosts_default: { code: 'DEFAULT_HOST_EXISTS', message: 'Another host is already the default host', field: 'isDefault' },
  uq_interfaces_host_name: { code: 'NAME_TAKEN', message: 'This interface name is already used on the host', field: 'name' },
  uq_interfaces_host_port: { code: 'PORT_IN_USE', message: 'This listen port is already used on the host', field: 'listenPort' },
  ex_interfaces_host_subnet: { code: 'SUBNET_OVERLAP', message: 'This subnet overlaps another interface on the host', field: 'address' },
  uq_peers_interface_address: { code: 'ADDRESS_IN_USE', message: 'This address is already used by another peer of the interface', field: 'address' },
  uq_peers_interface_public_key: { code: 'PUBLIC_KEY_IN_USE', message: 'This public key is already used by another peer of the interface', field: 'publicKey' },
  uq_peers_interface_name: { code: 'NAME_TAKEN', message: 'A peer with this name already exists on the interface', field: 'name' },
  uq_port_forwards_host_port: { code: 'PORT_IN_USE', message: 'This port and protocol are already forwarded on the host', field: 'port' },
  uq_api_keys_name: { code: 'NAME_TAKEN', message: 'An API key with this name already exists', field: 'name' },
};

interface PgError {
  code?: string;
  constraint?: string;
}

/** Maps a Postgres error to an ApiError, or returns null when it is not the client's doing. */
export function apiErrorFromDatabase(error: unknown): ApiError | null {
  if (!(error instanceof QueryFailedError)) return null;
  const pg = error.driverError as PgError;
  switch (pg.code) {
    case '23505': // unique_violation
    case '23P01': {
      // exclusion_violation
      const known = pg.constraint ? CONSTRAINT_MESSAGES[pg.constraint] : undefined;
      return known
        ? ApiError.conflict(known.code, known.message, known.field)
        : ApiError.conflict('CONFLICT', 'The change conflicts with existing data');
    }
    case '23503': // foreign_key_violation: the referenced row vanished or is still referenced
      return ApiError.conflict('REFERENCE_CONFLICT', 'The change refers to something that was changed or removed meanwhile');
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
      return new ApiError(HttpStatus.CONFLICT, 'CONCURRENT_UPDATE', 'The resource was changed by another request; try again');
    default:
      if (pg.code?.startsWith('22')) return new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'A value is out of range or malformed');
      return null;
  }
}

/** True for errors worth retrying the whole transaction for. */
export function isTransientDatabaseError(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as PgError).code;
  return code === '40001' || code === '40P01';
}
