/**
 * A JSON object as stored in jsonb columns. Values are not typed recursively on purpose: TypeORM's
 * partial-entity types recurse into them and exceed TypeScript's instantiation depth.
 */
export type JsonObject = { [key: string]: string | number | boolean | null | object };
