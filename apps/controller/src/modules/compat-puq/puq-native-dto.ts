import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { validationFailed } from '../../common/validation';

/**
 * Builds a native request DTO from the fields a PUQ call translated to, and validates it with the
 * native DTO's own decorators (the same rules the native ValidationPipe applies), so nothing
 * reaches a native service that its own API would have refused.
 */
export function nativeDto<T extends object>(cls: new () => T, fields: Record<string, unknown>): T {
  const dto = plainToInstance(cls, fields);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw validationFailed(errors);
  return dto;
}
