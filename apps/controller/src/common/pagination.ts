import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ApiError } from './api-error';

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface Cursor {
  createdAt: string;
  id: string;
}

/** Every item of a paged listing, page by page in its order (for callers that must answer with all of them). */
export async function allPages<T>(fetch: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/**
 * Keyset pagination on (created_at, id): stable under inserts and O(page) at any depth, which an
 * OFFSET never is at 100,000 rows. created_at columns are timestamptz(3) so a JS Date round-trips
 * exactly and a cursor never repeats a row.
 */
export async function paginate<E extends ObjectLiteral & { id: string; createdAt: Date }>(
  query: SelectQueryBuilder<E>,
  alias: string,
  page: PageQuery,
  direction: 'ASC' | 'DESC' = 'ASC',
): Promise<Page<E>> {
  const limit = page.limit ?? 50;
  if (page.cursor) {
    const cursor = decodeCursor(page.cursor);
    const op = direction === 'ASC' ? '>' : '<';
    query.andWhere(`(${alias}.created_at, ${alias}.id) ${op} (:cursorAt, :cursorId)`, { cursorAt: cursor.createdAt, cursorId: cursor.id });
  }
  const rows = await query
    .orderBy(`${alias}.created_at`, direction)
    .addOrderBy(`${alias}.id`, direction)
    .limit(limit + 1)
    .getMany();
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) : null };
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');
}

/** Row ids are UUIDs, except API keys, whose id is the 16 hex digits of wgf_<id>_<secret>. */
const CURSOR_ID_RE = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16})$/;

function decodeCursor(raw: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(raw, 'base64url').toString()) as [unknown, unknown];
    if (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt)) && CURSOR_ID_RE.test(id)) {
      return { createdAt, id };
    }
  } catch {
    // fall through to the error below
  }
  throw ApiError.invalid('cursor', 'cursor is not one this API returned');
}
