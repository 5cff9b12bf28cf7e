import { HttpStatus } from '@nestjs/common';

export interface FieldProblem {
  field: string;
  message: string;
}

/** An error a client can act on; rendered as the contract's error body by ApiErrorFilter. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldProblem[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  static notFound(what: string): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, 'NOT_FOUND', `${what} not found`);
  }

  static conflict(code: string, message: string, field?: string): ApiError {
    return new ApiError(HttpStatus.CONFLICT, code, message, field ? [{ field, message }] : []);
  }

  static invalid(field: string, message: string): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', message, [{ field, message }]);
  }

  static unauthorized(message = 'Missing or invalid credentials'): ApiError {
    return new ApiError(HttpStatus.UNAUTHORIZED, 'UNAUTHORIZED', message);
  }

  static forbidden(message: string): ApiError {
    return new ApiError(HttpStatus.FORBIDDEN, 'FORBIDDEN', message);
  }
}

export interface ErrorBody {
  error: true;
  status: number;
  code: string;
  message: string;
  details: FieldProblem[];
}
