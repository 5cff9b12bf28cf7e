import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, getSchemaPath } from '@nestjs/swagger';

export class ErrorBodyDto {
  @ApiProperty({ example: true }) error!: true;
  @ApiProperty({ example: 409 }) status!: number;
  @ApiProperty({ example: 'ADDRESS_IN_USE' }) code!: string;
  @ApiProperty({ example: '10.8.0.7 is already used by peer alice' }) message!: string;
  @ApiProperty({ example: [{ field: 'address', message: '...' }] }) details!: Array<{ field: string; message: string }>;
}

export class DeletedDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: true }) deleted!: true;
  @ApiProperty({ required: false, description: "The host's new desired revision, when the deletion changed it" }) revision?: number;
}

/** Documents a `{items, nextCursor}` page of `model`. */
export function ApiPage(model: Type<unknown>): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(model),
    ApiOkResponse({
      schema: {
        type: 'object',
        properties: { items: { type: 'array', items: { $ref: getSchemaPath(model) } }, nextCursor: { type: 'string', nullable: true } },
      },
    }),
  );
}
