import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ApiError, type FieldProblem } from '../../common/api-error';

/**
 * Builds a native request DTO from the fields a PUQ call translated to, and validates it with the
 * native DTO's own decorators (the same rules the native ValidationPipe applies), so nothing
 * reaches a native service that its own API would have refused.
 */
export function nativeDto<T extends object>(cls: new () => T, fields: Record<string, unknown>): T {
  const dto = plainToInstance(cls, fields);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const details = problems(errors);
    throw new ApiError(400, 'VALIDATION_FAILED', details[0] ? `${details[0].field}: ${details[0].message}` : 'Invalid input', details);
  }
  return dto;
}

function problems(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...problems(e.children ?? [], field)];
  });
}
