import { Injectable, ValidationPipe, type PipeTransform } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { ApiError, type FieldProblem } from './api-error';

/** Global pipe: unknown fields and wrong types are 400s naming the field; nothing is coerced silently. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: validationFailed,
  });
}

/** class-validator's errors as the 400 every validation failure is: each problem named by its field path. */
export function validationFailed(errors: ValidationError[]): ApiError {
  const details = flatten(errors);
  const first = details[0];
  return new ApiError(400, 'VALIDATION_FAILED', first ? `${first.field}: ${first.message}` : 'Invalid input', details);
}

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) {
      out.push({ field, message: message.replace(/^property (\S+) should not exist$/, 'unknown field') });
    }
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id that is not a UUID names nothing that exists: 404, and Postgres never sees it. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  constructor(private readonly what = 'Resource') {}

  transform(value: string): string {
    if (!UUID.test(value)) throw ApiError.notFound(this.what);
    return value.toLowerCase();
  }
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
